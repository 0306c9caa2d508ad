from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    postproduction_mode = fields.Selection(
        [("monthly", "Monthly"), ("schedule", "Schedule")],
        string="Invoicing mode",
        default="monthly",
        required=True,
        tracking=True,
        help="Monthly: invoiced each month from production (timesheet days x daily rate, "
        "re-invoiced expenses and purchases). Schedule: invoiced from its schedule of "
        "instalments, whatever was produced.",
    )
    postproduction_delivery_ids = fields.Many2many(
        "postproduction.delivery",
        "postproduction_delivery_sale_order_rel",
        "order_id",
        "delivery_id",
        string="Deliveries / correlated purchases",
        copy=False,
    )
    postproduction_schedule_ids = fields.One2many(
        "postproduction.schedule", "order_id", string="Schedule", copy=False
    )
    postproduction_schedule_total = fields.Monetary(
        string="Scheduled", compute="_compute_postproduction_schedule_total"
    )
    postproduction_schedule_deviation = fields.Monetary(
        string="Deviation",
        compute="_compute_postproduction_schedule_total",
        help="Untaxed amount of the order minus the total of its schedule.",
    )
    postproduction_delivery_count = fields.Integer(
        string="Delivery count", compute="_compute_postproduction_delivery_count"
    )

    @api.depends("postproduction_schedule_ids.amount", "amount_untaxed")
    def _compute_postproduction_schedule_total(self):
        for order in self:
            total = sum(order.postproduction_schedule_ids.mapped("amount"))
            order.postproduction_schedule_total = total
            order.postproduction_schedule_deviation = order.currency_id.round(
                order.amount_untaxed - total
            )

    @api.depends("postproduction_delivery_ids")
    def _compute_postproduction_delivery_count(self):
        for order in self:
            order.postproduction_delivery_count = len(order.postproduction_delivery_ids)

    def action_view_postproduction_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_delivery"
        )
        action["domain"] = [("sale_order_ids", "in", self.ids)]
        action["context"] = {"default_sale_order_ids": [self.id]}
        return action

    def action_postproduction_split_schedule(self):
        """Open the wizard that fills this order's schedule."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_schedule_split_wizard"
        )
        action["context"] = {"default_order_id": self.id}
        return action
