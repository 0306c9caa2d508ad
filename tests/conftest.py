"""Plain pytest tests of PostProduction's pure modules; Odoo is not needed here.

The addons' ``calc`` packages are reached under their Odoo names
(``odoo.addons.postproduction.calc``, ...) through bare packages made here, so neither
Odoo nor an addon's ``__init__`` (which imports Odoo's ORM) ever runs.
"""

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("postproduction", "postproduction_financial_document")


def _bare_package(name, paths=()):
    package = types.ModuleType(name)
    package.__path__ = [str(path) for path in paths]
    sys.modules[name] = package
    return package


_bare_package("odoo")
_bare_package("odoo.addons")
for _addon in ADDONS:
    _bare_package(f"odoo.addons.{_addon}", [ROOT / _addon])
