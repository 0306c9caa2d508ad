from datetime import date

from odoo import Command
from odoo.exceptions import UserError

from .common import PostproductionCase

RUN = "postproduction.invoice.run"
MAR = date(2026, 3, 1)
#: Advance invoicing of March opens on the 20th (the company's preliminary invoice day).
OPENING = date(2026, 3, 20)
#: March 2026: 22 weekdays, less the public holiday of Friday 13 = 21 working days.
MARCH_DAYS = 21


class TestInvoiceAdvance(PostproductionCase):
    """SO_ADV invoices Alice (500 a day, all 2026) in advance; March is advanced on the
    20th at 21 working days x 500 = 10,500, then invoiced after the month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.postproduction_preliminary_invoice_day = 20
        calendar = cls.company.resource_calendar_id
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": calendar.id,
                "resource_id": False,
                "date_from": "2026-03-13 00:00:00",
                "date_to": "2026-03-13 23:59:59",
            }
        )
        cls.order.project_id = cls.project
        cls.order.postproduction_invoice_in_advance = True
        cls.delivery = cls.create_delivery(orders=cls.order)

    def advance(self, period=MAR, invoice_date=OPENING, **kwargs):
        return self.env[RUN].generate(period, invoice_date=invoice_date, mode="advance", **kwargs)

    def final(self, **kwargs):
        return self.env[RUN].generate(MAR, invoice_date=date(2026, 4, 2), **kwargs)

    def work(self, days):
        """Alice's validated timesheets, 8 h on each of the first ``days`` working days of
        March, beyond 21 on the first ones again (overtime)."""
        working = [
            date(2026, 3, day)
            for day in range(1, 32)
            if date(2026, 3, day).weekday() < 5 and day != 13
        ]
        for index in range(days):
            self.create_timesheet(working[index % len(working)]).action_validate()
        self.env.flush_all()

    def row(self):
        rows = self.env["postproduction.turnover"].search(
            [("period", "=", MAR), ("order_id", "=", self.order.id)]
        )
        self.assertEqual(len(rows), 1)
        return rows

    def test_advance_is_refused_before_the_preliminary_day(self):
        with self.assertRaisesRegex(
            UserError, "Advance invoicing of March 2026 opens on 2026-03-20"
        ):
            self.advance(invoice_date=date(2026, 3, 19))

    def test_final_refuses_a_month_not_started(self):
        with self.assertRaisesRegex(UserError, "only an advance can invoice it"):
            self.env[RUN].generate(date(2099, 1, 1))

    def test_advance_invoices_the_forecast_as_a_down_payment(self):
        run = self.advance()
        self.assertEqual(run.mode, "advance")
        invoice = run.move_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual((invoice.move_type, invoice.state), ("out_invoice", "draft"))
        self.assertRegex(invoice.proforma_number, r"^PF/2026/\d{5}$")
        self.assertEqual(invoice.postproduction_period, MAR)
        self.assertAlmostEqual(invoice.amount_untaxed, MARCH_DAYS * 500.0, places=2)
        self.assertEqual(invoice.amount_untaxed, 10500.0)
        product_lines = invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        self.assertTrue(all(product_lines.mapped("is_downpayment")))
        down_payment = product_lines.sale_line_ids
        self.assertTrue(down_payment.is_downpayment)
        self.assertEqual(down_payment.order_id, self.order)
        self.assertEqual(down_payment.postproduction_advance_period, MAR)
        line = run.line_ids
        self.assertEqual((line.result, line.amount, line.move_id), ("generated", 10500.0, invoice))
        key = invoice.postproduction_billing_key_ids
        self.assertEqual((key.kind, key.period, key.amount), ("advance", MAR, 10500.0))

    def test_a_month_is_not_advanced_twice(self):
        self.advance()
        run = self.advance()
        self.assertFalse(run.move_ids)
        self.assertEqual(run.line_ids.reason_code, "already_advanced")
        self.assertTrue(run.line_ids.reason.endswith("."))

    def test_final_invoice_adds_the_positive_regularisation(self):
        self.advance()
        self.work(22)  # 22 days x 500 = 11,000 produced, 10,500 advanced
        run = self.final()
        invoice = run.move_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertAlmostEqual(invoice.amount_untaxed, 500.0, places=2)
        deduction = invoice.invoice_line_ids.filtered("is_downpayment")
        self.assertAlmostEqual(sum(deduction.mapped("price_subtotal")), -10500.0, places=2)
        self.assertAlmostEqual(run.line_ids.amount, 500.0, places=2)
        self.env.invalidate_all()
        row = self.row()
        self.assertEqual(row.advanced_turnover, 10500.0)
        self.assertEqual(row.production_turnover, 11000.0)
        self.assertEqual(row.regularisation, 500.0)
        self.assertEqual(row.invoiced_turnover, 11000.0)
        self.assertEqual(row.status, "invoiced")

    def test_final_invoice_below_the_advance_is_a_credit_note(self):
        self.advance()
        self.work(2)  # 2 days x 500 = 1,000 produced, 10,500 advanced
        self.env.invalidate_all()
        self.assertEqual(self.row().regularisation, -9500.0)
        run = self.final()
        credit_note = run.move_ids
        self.assertEqual(len(credit_note), 1)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertAlmostEqual(credit_note.amount_untaxed, 9500.0, places=2)
        self.env.invalidate_all()
        row = self.row()
        self.assertEqual((row.advanced_turnover, row.regularisation), (10500.0, -9500.0))
        self.assertEqual(row.status, "invoiced")

    def test_an_advance_deducted_by_the_final_invoice_cannot_be_cancelled(self):
        advance = self.advance().move_ids  # the pro-forma, still a draft
        self.work(22)
        final = self.final().move_ids
        with self.assertRaises(UserError) as refused:
            advance.button_cancel()
        self.assertIn(f"is deducted by {final.display_name}", str(refused.exception))
        self.assertEqual(advance.state, "draft")
        final.button_cancel()
        advance.button_cancel()
        self.assertEqual(advance.state, "cancel")

    def test_advance_is_on_the_dashboard_row_until_the_final_invoice(self):
        self.work(3)
        self.advance()
        self.env.invalidate_all()
        row = self.row()
        self.assertEqual(row.advanced_turnover, 10500.0)
        self.assertEqual(row.regularisation, 1500.0 - 10500.0)
        self.assertEqual(row.invoiced_turnover, 0.0)
        self.assertEqual(row.status, "to_invoice")

    def test_schedule_order_is_advanced_by_its_instalment(self):
        order = self.create_order(self.globex, confirm=False, postproduction_mode="schedule")
        order.write(
            {
                "postproduction_invoice_in_advance": True,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.day_product.id,
                            "product_uom_qty": 10,
                            "price_unit": 300.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.env["postproduction.schedule"].create(
            {"order_id": order.id, "date": date(2026, 3, 31), "name": "March", "amount": 1200.0}
        )
        run = self.advance(domain=[("order_id", "=", order.id)])
        self.assertEqual(run.line_ids.result, "generated")
        self.assertEqual(run.move_ids.amount_untaxed, 1200.0)

    def test_orders_not_in_advance_or_without_forecast_are_skipped(self):
        other = self.create_order(self.globex)
        empty = self.create_order(self.globex, postproduction_invoice_in_advance=True)
        run = self.advance(domain=[("order_id", "in", [other.id, empty.id])])
        reasons = {line.order_id: line.reason_code for line in run.line_ids}
        self.assertEqual(reasons, {other: "not_in_advance", empty: "nothing_forecast"})
        self.assertFalse(run.move_ids)

    def test_test_mode_creates_nothing(self):
        lines_before = self.env["sale.order.line"].search_count([])
        moves_before = self.env["account.move"].search_count([])
        keys_before = self.env["postproduction.billing.key"].search_count([])
        run = self.advance(simulate=True)
        self.assertEqual((run.line_ids.result, run.line_ids.amount), ("simulated", 10500.0))
        self.assertEqual(self.env["sale.order.line"].search_count([]), lines_before)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self.env["postproduction.billing.key"].search_count([]), keys_before)
