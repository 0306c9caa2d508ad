from datetime import datetime, time

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError

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
    label = fields.Char(required=True, default=lambda self: _("Instalment"))
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

    def _working_day_checker(self):
        """A function telling whether a date is worked in the company's calendar."""
        company = self.order_id.company_id
        calendar = company.resource_calendar_id
        if not calendar:
            raise UserError(
                _("Company %(company)s has no working calendar: set one to split by working "
                  "days.", company=company.name)
            )
        tz = pytz.timezone(calendar.tz or "UTC")
        start = tz.localize(datetime.combine(self.date_start, time.min))
        end = tz.localize(datetime.combine(self.date_end, time.max))
        intervals = calendar._work_intervals_batch(start, end)[False]
        worked = {interval[0].date() for interval in intervals}
        return worked.__contains__

    def _prepare_schedule_values(self):
        self.ensure_one()
        checker = self._working_day_checker() if self.method == split.WORKING_DAYS else None
        try:
            parts = split.split_over_months(
                self.amount, self.date_start, self.date_end, self.method, checker,
                self.currency_id.rounding,
            )
        except split.SplitError as error:
            raise UserError(self._split_error_message(error)) from error
        count = len(parts)
        return [
            {
                "order_id": self.order_id.id,
                "date": period_end,
                "name": f"{self.label} {index}/{count}",
                "amount": amount,
            }
            for index, (_start, period_end, amount) in enumerate(parts, start=1)
            if not self.currency_id.is_zero(amount)
        ]

    def _split_error_message(self, error):
        if self.date_end < self.date_start:
            return _("The end date is before the start date.")
        if self.method == split.WORKING_DAYS:
            return _("There is no working day between %(start)s and %(end)s.",
                     start=self.date_start, end=self.date_end)
        return _("The amount cannot be split: %(error)s", error=error)

    def action_split(self):
        """Create the instalments (replacing the ones not invoiced when asked)."""
        self.ensure_one()
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            raise UserError(_("The amount to split must be positive."))
        values = self._prepare_schedule_values()
        if self.replace:
            self.order_id.postproduction_schedule_ids.filtered(
                lambda line: line.state == "to_invoice"
            ).unlink()
        self.env["postproduction.schedule"].create(values)
        return {"type": "ir.actions.act_window_close"}
