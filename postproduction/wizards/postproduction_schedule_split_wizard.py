from odoo import api, fields, models

from ..calc import split


class PostproductionScheduleSplitWizard(models.TransientModel):
    """Fill an order's schedule: an amount between two dates cut into monthly instalments."""

    _name = "postproduction.schedule.split.wizard"
    _description = "Split an amount into a monthly schedule"

    order_id = fields.Many2one("sale.order", required=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    amount = fields.Monetary(required=True, currency_field="currency_id")
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="To", required=True)
    method = fields.Selection(
        [
            (split.EQUAL, "Equal amount per month"),
            (split.CALENDAR_DAYS, "Prorata of calendar days"),
            (split.WORKING_DAYS, "Prorata of working days"),
            (split.LAST, "All on the last month"),
        ],
        required=True,
        default=split.EQUAL,
    )
    label = fields.Char(required=True, default=lambda self: self.env._("Instalment"))
    replace = fields.Boolean(
        string="Replace the instalments not invoiced yet",
        default=True,
    )

    @api.onchange("order_id")
    def _onchange_order_id(self):
        if self.order_id and not self.amount:
            order = self.order_id
            self.amount = order.amount_untaxed - sum(
                order.postproduction_schedule_ids.filtered(
                    lambda line: line.state == "invoiced"
                ).mapped("amount")
            )

    def action_split(self):
        """Create the instalments (replacing the ones not invoiced when asked)."""
        self.ensure_one()
        self.order_id._postproduction_split_schedule(
            self.amount, self.date_start, self.date_end, self.method, self.label, self.replace
        )
        return {"type": "ir.actions.act_window_close"}
