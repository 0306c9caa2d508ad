from . import controllers
from . import models
from . import wizards
from . import report


def pre_init_hook(env):
    """Existing timesheets enter the approval validated, by whoever installs the module
    and at that moment, so that they stay billable exactly as before: a company that later
    invoices validated timesheets only loses none of its history. Other analytic lines get
    Odoo's default (draft) when the column is filled."""
    cr = env.cr
    cr.execute("SELECT write_uid FROM ir_module_module WHERE name = 'postproduction'")
    installer = (cr.fetchone() or [None])[0] or env.uid
    cr.execute(
        """ALTER TABLE account_analytic_line
               ADD COLUMN IF NOT EXISTS approval_state varchar,
               ADD COLUMN IF NOT EXISTS approval_user_id integer,
               ADD COLUMN IF NOT EXISTS approval_date timestamp"""
    )
    cr.execute(
        """UPDATE account_analytic_line
              SET approval_state = 'validated', approval_user_id = %s,
                  approval_date = now() AT TIME ZONE 'UTC'
            WHERE project_id IS NOT NULL AND approval_state IS NULL""",
        [installer],
    )


def uninstall_hook(env):
    """Remove what PostProduction keeps outside its models' data: the dashboard's views,
    triggers, function, tables and indexes, and the companies' pro-forma sequences (made
    when first needed, so no XML id removes them)."""
    env["postproduction.turnover"]._drop_timesheet_month()
    env.cr.execute("DROP TABLE IF EXISTS postproduction_turnover_row")
    env.cr.execute("DROP TABLE IF EXISTS postproduction_proforma_claim")
    env["ir.sequence"].sudo().search([("code", "=", "postproduction.proforma")]).unlink()
