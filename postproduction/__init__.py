from . import models
from . import wizards
from . import report


def uninstall_hook(env):
    """Remove what the dashboard keeps outside Odoo's models: the triggers on the
    timesheets and the table of their sums."""
    env["postproduction.turnover"]._drop_timesheet_month()
