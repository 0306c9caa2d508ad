from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _timesheet_domain_get_invoiced_lines(self, sale_line_delivery):
        """Link to an invoice only the timesheets it may bill (validated ones, per setting)."""
        domain = super()._timesheet_domain_get_invoiced_lines(sale_line_delivery)
        return domain + self.env["account.analytic.line"]._postproduction_billable_domain()
