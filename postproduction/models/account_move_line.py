from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round


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

    # ------------------------------------------------------------------ billing keys
    postproduction_billing_key_id = fields.Many2one(
        "postproduction.billing.key",
        string="Billing key",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    def _timesheet_domain_get_invoiced_lines(self, sale_line_delivery):
        """Link to an invoice only the timesheets it may bill (validated ones, per setting)."""
        domain = super()._timesheet_domain_get_invoiced_lines(sale_line_delivery)
        billable = self.env["account.analytic.line"]._postproduction_billable_domain()
        return [*domain, *billable, ("postproduction_written_off", "=", False)]

    def _postproduction_check_credited(self, timesheets):
        """Refuse crediting on this credit note line other timesheets than exactly its
        quantity's worth: the picked ones go back to invoice."""
        self.ensure_one()
        uom = self.product_uom_id
        worth = timesheets._postproduction_worth(uom)
        if float_compare(worth, self.quantity, precision_rounding=uom.rounding or 0.01):
            raise UserError(
                self.env._(
                    'Credit note line "%(line)s" credits %(quantity)s but the timesheets picked '
                    "for it are worth %(picked)s: pick timesheets worth what it credits.",
                    line=self.name or self.product_id.display_name,
                    quantity=self.quantity,
                    picked=float_round(worth, precision_rounding=uom.rounding or 0.01),
                )
            )
