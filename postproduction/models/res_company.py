from datetime import datetime, time

import pytz

from odoo import fields, models
from odoo.exceptions import UserError


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

    def _postproduction_working_days(self, date_start, date_end):
        """The dates of ``[date_start, date_end]`` worked in the company's calendar.

        Public holidays (the calendar's leaves that concern no one in particular) are
        excluded.
        """
        self.ensure_one()
        calendar = self.resource_calendar_id
        if not calendar:
            raise UserError(
                self.env._(
                    "Company %(company)s has no working calendar: set one in its settings.",
                    company=self.name,
                )
            )
        tz = pytz.timezone(calendar.tz or "UTC")
        intervals = calendar._work_intervals_batch(
            tz.localize(datetime.combine(date_start, time.min)),
            tz.localize(datetime.combine(date_end, time.max)),
        )[False]
        return {interval[0].date() for interval in intervals}
