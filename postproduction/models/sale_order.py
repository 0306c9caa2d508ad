from odoo import api, fields, models
from odoo.exceptions import UserError

from ..calc import split


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
    postproduction_invoice_in_advance = fields.Boolean(
        string="Invoice in advance",
        copy=False,
        tracking=True,
        help="From the company's preliminary invoice day, the month's forecast (working days "
        "of the deliveries x daily rate, or the month's instalments) can be invoiced as a "
        "down payment; the invoice of the month, after it, deducts it.",
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

    def write(self, vals):
        result = super().write(vals)
        if "postproduction_mode" in vals:
            self.postproduction_delivery_ids._resolve_sale_line()
        return result

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

    def _postproduction_split_schedule(
        self, amount, date_start, date_end, method, label, replace=True
    ):
        """Fill the schedule with ``amount`` cut into monthly instalments.

        ``method`` is one of ``calc.split.METHODS``; each instalment is dated at the end of
        its month (or at ``date_end``). With ``replace``, the instalments not invoiced yet
        are deleted first. Returns the new instalments.
        """
        self.ensure_one()
        if self.currency_id.compare_amounts(amount, 0) <= 0:
            raise UserError(self.env._("The amount to split must be positive."))
        values = self._postproduction_prepare_schedule_values(
            amount, date_start, date_end, method, label
        )
        if replace:
            self.postproduction_schedule_ids.filtered(
                lambda line: line.state == "to_invoice"
            ).unlink()
        return self.env["postproduction.schedule"].create(values)

    def _postproduction_prepare_schedule_values(self, amount, date_start, date_end, method, label):
        self.ensure_one()
        if date_end < date_start:
            raise UserError(self.env._("The end date is before the start date."))
        working_day = None
        if method == split.WORKING_DAYS:
            working_day = self.company_id._postproduction_working_days(
                date_start, date_end
            ).__contains__
        try:
            parts = split.split_over_months(
                amount, date_start, date_end, method, working_day, self.currency_id.rounding
            )
        except split.SplitError as error:
            if method == split.WORKING_DAYS:
                raise UserError(
                    self.env._(
                        "There is no working day between %(start)s and %(end)s.",
                        start=date_start,
                        end=date_end,
                    )
                ) from error
            raise UserError(
                self.env._("The amount cannot be split: %(error)s", error=error)
            ) from error
        parts = [part for part in parts if not self.currency_id.is_zero(part[2])]
        return [
            {
                "order_id": self.id,
                "date": period_end,
                "name": f"{label} {index}/{len(parts)}",
                "amount": part_amount,
            }
            for index, (_start, period_end, part_amount) in enumerate(parts, start=1)
        ]
