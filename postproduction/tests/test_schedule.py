from datetime import date, datetime

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form
from odoo.tools import mute_logger

from .common import PostproductionCase


class TestSchedule(PostproductionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fixed_price = cls.env["product.product"].create(
            {
                "name": "Website project",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 1000.0,
            }
        )
        cls.schedule_order = cls.create_order(
            cls.acme,
            postproduction_mode="schedule",
            order_line=[
                (
                    0,
                    0,
                    {
                        "product_id": cls.fixed_price.id,
                        "product_uom_qty": 1,
                        "price_unit": 1000.0,
                        "tax_id": False,
                    },
                )
            ],
        )
        calendar = cls.company.resource_calendar_id
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Labour day",
                "calendar_id": calendar.id,
                "date_from": datetime(2026, 5, 1, 0, 0),
                "date_to": datetime(2026, 5, 1, 23, 59),
            }
        )

    def split(
        self, method, amount=1000.0, start=date(2026, 3, 16), end=date(2026, 6, 15), replace=True
    ):
        action = self.schedule_order.action_postproduction_split_schedule()
        wizard_form = Form(
            self.env["postproduction.schedule.split.wizard"].with_context(**action["context"])
        )
        wizard_form.amount = amount
        wizard_form.date_start = start
        wizard_form.date_end = end
        wizard_form.method = method
        wizard_form.replace = replace
        wizard_form.save().action_split()
        return self.schedule_order.postproduction_schedule_ids.sorted("date")

    def test_wizard_proposes_the_untaxed_amount_of_the_order(self):
        action = self.schedule_order.action_postproduction_split_schedule()
        wizard_form = Form(
            self.env["postproduction.schedule.split.wizard"].with_context(**action["context"])
        )
        self.assertEqual(wizard_form.amount, 1000.0)

    def test_equal_amount_per_month(self):
        lines = self.split("equal")
        self.assertEqual(lines.mapped("amount"), [250.0] * 4)
        self.assertEqual(
            lines.mapped("date"),
            [date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 15)],
        )
        self.assertEqual(lines.mapped("name"), [f"Instalment {i}/4" for i in range(1, 5)])

    def test_prorata_of_calendar_days_with_partial_months(self):
        lines = self.split("calendar_days")
        self.assertEqual(lines.mapped("amount"), [173.91, 326.09, 336.96, 163.04])

    def test_prorata_of_working_days_excludes_the_public_holiday(self):
        lines = self.split("working_days")
        # 12 + 22 + 20 (1 May is off) + 11 = 65 working days
        self.assertEqual(lines.mapped("amount"), [184.62, 338.46, 307.69, 169.23])

    def test_all_on_the_last_month(self):
        lines = self.split("last")
        self.assertEqual(lines.mapped("amount"), [1000.0])
        self.assertEqual(lines.date, date(2026, 6, 15))

    def test_instalments_sum_exactly_to_the_amount(self):
        self.schedule_order.order_line.price_unit = 1234.57  # a schedule bills its order
        # 2026-01-31 is a Saturday: by working days, January gets nothing and no instalment.
        for method, count in (("equal", 12), ("calendar_days", 12), ("working_days", 11)):
            lines = self.split(
                method, amount=1234.57, start=date(2026, 1, 31), end=date(2026, 12, 1)
            )
            self.assertEqual(round(sum(lines.mapped("amount")), 2), 1234.57, method)
            self.assertEqual(len(lines), count, method)

    def test_deviation_against_the_untaxed_amount(self):
        self.split("equal", amount=900.0)
        self.assertEqual(self.schedule_order.postproduction_schedule_total, 900.0)
        self.assertEqual(self.schedule_order.postproduction_schedule_deviation, 100.0)
        self.split("equal", amount=1000.0)
        self.assertEqual(self.schedule_order.postproduction_schedule_deviation, 0.0)

    def test_splitting_again_keeps_the_invoiced_instalments(self):
        first = self.split("equal")
        first[0].state = "invoiced"
        lines = self.split("equal", amount=750.0, start=date(2026, 4, 1), end=date(2026, 6, 30))
        self.assertEqual(len(lines), 4)
        self.assertEqual(lines[0], first[0])
        self.assertEqual(self.schedule_order.postproduction_schedule_total, 1000.0)

    def test_end_before_start_is_refused_and_nothing_is_written(self):
        with self.assertRaisesRegex(UserError, "before the start"):
            self.split("equal", start=date(2026, 6, 1), end=date(2026, 5, 1))
        self.assertFalse(self.schedule_order.postproduction_schedule_ids)

    def test_no_working_day_is_refused(self):
        with self.assertRaisesRegex(UserError, "no working day"):
            self.split("working_days", start=date(2026, 5, 1), end=date(2026, 5, 3))

    def test_zero_amount_is_refused(self):
        with self.assertRaisesRegex(UserError, "must be positive"):
            self.split("equal", amount=0.0)

    def test_a_schedule_beyond_the_order_total_is_refused(self):
        with self.assertRaises(ValidationError) as refused:
            self.split("equal", amount=1000.01)
        self.assertIn("more than the order's untaxed amount", str(refused.exception))
        self.assertFalse(self.schedule_order.postproduction_schedule_ids)
        self.split("equal", amount=600.0)
        with self.assertRaises(ValidationError):
            self.env["postproduction.schedule"].create(
                {"order_id": self.schedule_order.id, "date": date(2026, 9, 30), "name": "Extra",
                 "amount": 400.01}
            )  # fmt: skip

    def test_a_split_over_decades_is_refused(self):
        with self.assertRaises(UserError) as refused:
            self.split("equal", start=date(2026, 1, 1), end=date(2046, 1, 1))
        self.assertIn("at most 10 years", str(refused.exception))
        self.assertFalse(self.schedule_order.postproduction_schedule_ids)

    def test_instalment_amount_must_be_positive_in_the_database(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["postproduction.schedule"].create(
                {
                    "order_id": self.schedule_order.id,
                    "date": date(2026, 1, 31),
                    "name": "Bad",
                    "amount": -5,
                }
            )

    def test_invoiced_instalment_cannot_be_edited_or_deleted(self):
        line = self.split("last")
        line.state = "invoiced"
        with self.assertRaisesRegex(UserError, "is invoiced and cannot be modified"):
            line.amount = 10
        with self.assertRaisesRegex(UserError, "is invoiced and cannot be deleted"):
            line.unlink()
        line.state = "to_invoice"
        line.amount = 999.0
        self.assertEqual(line.amount, 999.0)
