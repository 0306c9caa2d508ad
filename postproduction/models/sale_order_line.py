from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    postproduction_delivery_ids = fields.One2many(
        "postproduction.delivery", "sale_line_id", string="Deliveries"
    )

    @api.depends("analytic_line_ids.approval_state")
    def _compute_qty_delivered(self):
        return super()._compute_qty_delivered()

    def _timesheet_compute_delivered_quantity_domain(self):
        """Count only validated timesheets in the companies that ask for it."""
        domain = super()._timesheet_compute_delivered_quantity_domain()
        return domain + self.env["account.analytic.line"]._postproduction_billable_domain()
