from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    postproduction_validated_timesheets_only = fields.Boolean(
        string="Invoice validated timesheets only",
        default=True,
        help="When set, an order line's delivered quantity counts only the validated "
        "timesheets; otherwise every timesheet counts, as in standard Odoo.",
    )
    postproduction_day_product_id = fields.Many2one(
        "product.product",
        string="Default consultant day product",
        domain="[('type', '=', 'service'), ('service_type', '=', 'timesheet')]",
        help="Service product invoiced for a resource delivery when the delivery names none.",
    )

    def _postproduction_day_product(self):
        """The company's day product, or the one PostProduction installs."""
        self.ensure_one()
        return self.postproduction_day_product_id or self.env.ref(
            "postproduction.product_consultant_day", raise_if_not_found=False
        )
