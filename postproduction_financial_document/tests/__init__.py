from . import test_financial_document
