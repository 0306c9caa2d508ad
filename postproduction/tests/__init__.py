from . import test_delivery
from . import test_timesheet
from . import test_schedule
from . import test_security
from . import test_financial_document
from . import test_turnover
from . import test_invoice_run
from . import test_turnover_browser
