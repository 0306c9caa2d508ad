from datetime import date

from odoo.exceptions import AccessError, UserError

from .common import PostproductionCase


class TestAttribution(PostproductionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.january = cls.create_delivery(
            start=date(2026, 1, 1), end=date(2026, 1, 31), rate=500.0, orders=cls.order
        )
        cls.order_2 = cls.create_order(cls.acme)
        cls.february = cls.create_delivery(
            start=date(2026, 2, 1), end=date(2026, 2, 28), rate=600.0, orders=cls.order_2
        )

    def test_timesheet_takes_the_line_of_the_delivery_covering_its_date(self):
        jan = self.create_timesheet(date(2026, 1, 15))
        feb = self.create_timesheet(date(2026, 2, 2))
        self.assertEqual(jan.so_line, self.january.sale_line_id)
        self.assertEqual(feb.so_line, self.february.sale_line_id)
        self.assertEqual(feb.so_line.order_id, self.order_2)

    def test_moving_a_timesheet_to_another_month_changes_its_line(self):
        timesheet = self.create_timesheet(date(2026, 1, 30))
        timesheet.date = date(2026, 2, 3)
        self.assertEqual(timesheet.so_line, self.february.sale_line_id)

    def test_timesheet_outside_any_delivery_gets_no_postproduction_line(self):
        timesheet = self.create_timesheet(date(2026, 3, 2))
        self.assertFalse(timesheet.so_line)

    def test_another_consultant_does_not_take_alices_line(self):
        timesheet = self.create_timesheet(date(2026, 1, 15), employee=self.bob)
        self.assertFalse(timesheet.so_line)

    def test_draft_delivery_attracts_no_timesheet(self):
        self.create_delivery(
            employee=self.bob,
            start=date(2026, 1, 1),
            end=date(2026, 1, 31),
            orders=self.order,
            confirm=False,
        )
        timesheet = self.create_timesheet(date(2026, 1, 15), employee=self.bob)
        self.assertFalse(timesheet.so_line)

    def test_correlating_later_reassigns_the_timesheets_already_entered(self):
        delivery = self.create_delivery(
            employee=self.bob, start=date(2026, 1, 1), end=date(2026, 1, 31)
        )
        timesheet = self.create_timesheet(date(2026, 1, 15), employee=self.bob)
        self.assertFalse(timesheet.so_line)
        delivery.sale_order_ids = self.order
        self.assertEqual(timesheet.so_line, delivery.sale_line_id)

    def test_timesheets_of_a_whole_month_are_attributed_in_a_fixed_number_of_queries(self):
        days = [date(2026, 1, day) for day in range(5, 10)]
        self.create_timesheet(date(2026, 1, 2))  # warm the caches
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=60):
            self.env["account.analytic.line"].create(
                [
                    {
                        "name": "Work",
                        "project_id": self.project.id,
                        "employee_id": self.alice.id,
                        "date": day,
                        "unit_amount": 8,
                    }
                    for day in days
                ]
            )
        lines = self.env["account.analytic.line"].search([("date", "in", days)])
        self.assertEqual(lines.so_line, self.january.sale_line_id)


class TestApproval(PostproductionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delivery = cls.create_delivery(
            start=date(2026, 1, 1), end=date(2026, 12, 31), rate=500.0, orders=cls.order
        )
        cls.line = cls.delivery.sale_line_id

    def test_consultant_submits_and_validator_validates(self):
        timesheet = self.create_timesheet(date(2026, 1, 5))
        self.assertEqual(timesheet.approval_state, "draft")
        timesheet.with_user(self.user_alice).action_submit()
        self.assertEqual(timesheet.approval_state, "submitted")
        timesheet.with_user(self.user_validator).action_validate()
        self.assertEqual(timesheet.approval_state, "validated")
        self.assertEqual(timesheet.approval_user_id, self.user_validator)
        self.assertTrue(timesheet.approval_date)

    def test_consultant_cannot_validate_even_their_own_timesheet(self):
        timesheet = self.create_timesheet(date(2026, 1, 5))
        timesheet.with_user(self.user_alice).action_submit()
        with self.assertRaises(AccessError):
            timesheet.with_user(self.user_alice).action_validate()
        with self.assertRaises(AccessError):
            timesheet.with_user(self.user_alice).action_refuse()
        self.assertEqual(timesheet.approval_state, "submitted")

    def test_consultant_cannot_write_the_approval_directly(self):
        timesheet = self.create_timesheet(date(2026, 1, 5))
        with self.assertRaises(AccessError):
            timesheet.with_user(self.user_alice).write({"approval_state": "validated"})
        self.assertEqual(timesheet.approval_state, "draft")

    def test_consultant_cannot_submit_someone_elses_timesheet(self):
        timesheet = self.create_timesheet(date(2026, 1, 5), employee=self.bob)
        with self.assertRaises(AccessError):
            timesheet.with_user(self.user_alice).action_submit()
        self.assertEqual(timesheet.approval_state, "draft")

    def test_refused_timesheet_is_corrected_and_submitted_again(self):
        timesheet = self.create_timesheet(date(2026, 1, 5))
        timesheet.with_user(self.user_alice).action_submit()
        timesheet.with_user(self.user_validator).action_refuse()
        self.assertEqual(timesheet.approval_state, "refused")
        timesheet.with_user(self.user_alice).write({"unit_amount": 7})
        timesheet.with_user(self.user_alice).action_submit()
        self.assertEqual(timesheet.approval_state, "submitted")
        self.assertEqual(timesheet.unit_amount, 7)

    def test_validating_a_refused_timesheet_is_refused(self):
        timesheet = self.create_timesheet(date(2026, 1, 5))
        timesheet.with_user(self.user_alice).action_submit()
        timesheet.with_user(self.user_validator).action_refuse()
        with self.assertRaisesRegex(UserError, "cannot go to Validated"):
            timesheet.with_user(self.user_validator).action_validate()

    def test_validated_timesheet_is_locked_for_the_consultant(self):
        timesheet = self.create_timesheet(date(2026, 1, 5))
        timesheet.with_user(self.user_alice).action_submit()
        with self.assertRaisesRegex(UserError, "reset it to draft"):
            timesheet.with_user(self.user_alice).write({"unit_amount": 10})
        timesheet.with_user(self.user_validator).action_validate()
        for values in (
            {"unit_amount": 10},
            {"date": date(2026, 1, 6)},
            {"employee_id": self.bob.id},
        ):
            with self.assertRaisesRegex(UserError, "reset it to draft"):
                timesheet.with_user(self.user_alice).write(values)
        with self.assertRaises(AccessError):
            timesheet.with_user(self.user_alice).action_reset_to_draft()
        with self.assertRaisesRegex(UserError, "reset it to draft"):
            timesheet.with_user(self.user_alice).unlink()
        self.assertEqual(timesheet.unit_amount, 8)
        self.assertTrue(timesheet.readonly_timesheet)

    def test_validator_must_reset_before_changing(self):
        timesheet = self.create_timesheet(date(2026, 1, 5))
        timesheet.with_user(self.user_validator).action_validate()
        with self.assertRaisesRegex(UserError, "reset it to draft"):
            timesheet.with_user(self.user_validator).write({"unit_amount": 10})
        timesheet.with_user(self.user_validator).action_reset_to_draft()
        timesheet.with_user(self.user_validator).write({"unit_amount": 10})
        self.assertEqual(timesheet.unit_amount, 10)
        self.assertEqual(timesheet.approval_state, "draft")
        self.assertFalse(timesheet.approval_user_id)

    def test_bulk_validation_of_a_selection(self):
        timesheets = (
            self.create_timesheet(date(2026, 1, 5))
            | self.create_timesheet(date(2026, 1, 6))
            | self.create_timesheet(date(2026, 1, 7), employee=self.bob)
        )
        timesheets.with_user(self.user_validator).action_validate()
        self.assertEqual(set(timesheets.mapped("approval_state")), {"validated"})

    def test_delivered_quantity_counts_only_validated_timesheets(self):
        validated = self.create_timesheet(date(2026, 1, 5), hours=8)
        submitted = self.create_timesheet(date(2026, 1, 6), hours=8)
        self.create_timesheet(date(2026, 1, 7), hours=4)
        validated.action_validate()
        submitted.action_submit()
        self.assertAlmostEqual(self.line.qty_delivered, 1.0)
        submitted.action_validate()
        self.assertAlmostEqual(self.line.qty_delivered, 2.0)

    def test_delivered_quantity_counts_every_timesheet_when_the_setting_is_off(self):
        self.company.postproduction_validated_timesheets_only = False
        self.create_timesheet(date(2026, 1, 5), hours=8).action_validate()
        self.create_timesheet(date(2026, 1, 6), hours=8).action_submit()
        self.create_timesheet(date(2026, 1, 7), hours=4)
        self.line.invalidate_recordset(["qty_delivered"])
        self.line._compute_qty_delivered()
        self.assertAlmostEqual(self.line.qty_delivered, 2.5)

    def test_hours_are_converted_into_days(self):
        self.create_timesheet(date(2026, 1, 5), hours=12).action_validate()
        self.assertAlmostEqual(self.line.qty_delivered, 1.5)

    def test_invoice_links_only_validated_timesheets(self):
        validated = self.create_timesheet(date(2026, 1, 5), hours=8)
        pending = self.create_timesheet(date(2026, 1, 6), hours=8)
        validated.action_validate()
        pending.action_submit()
        invoice = self.order._create_invoices()
        self.assertEqual(invoice.invoice_line_ids.quantity, 1.0)
        self.assertEqual(validated.timesheet_invoice_id, invoice)
        self.assertFalse(pending.timesheet_invoice_id)
        with self.assertRaisesRegex(UserError, "already invoiced"):
            validated.action_reset_to_draft()
