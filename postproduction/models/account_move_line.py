from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    postproduction_write_off = fields.Boolean(
        string="Written off",
        copy=False,
        readonly=True,
        help="On a credit note line made by a corrective invoice: the credited quantity is "
        "non-chargeable. It is not invoiced again and the PostProduction dashboard shows it "
        "as written off.",
    )

    def _timesheet_domain_get_invoiced_lines(self, sale_line_delivery):
        """Link to an invoice only the timesheets it may bill (validated ones, per setting)."""
        domain = super()._timesheet_domain_get_invoiced_lines(sale_line_delivery)
        billable = self.env["account.analytic.line"]._postproduction_billable_domain()
        return [*domain, *billable, ("postproduction_written_off", "=", False)]

    # ------------------------------------------------------------------ billing keys
    postproduction_billing_key_id = fields.Many2one(
        "postproduction.billing.key",
        string="Billing key",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
