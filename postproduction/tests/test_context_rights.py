"""Rights never come from the context: every key PostProduction reads, set by an RPC client
that may set any context, grants nothing."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tools import frozendict

from .test_invoice_documents import InvoiceDocumentCase


class TestContextKeysGrantNothing(InvoiceDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesman = new_test_user(
            cls.env, "pp_salesman", groups="base.group_user,sales_team.group_sale_salesman"
        )
        cls.own = cls.create_timesheet(date(2026, 3, 2))

    def test_a_consultant_cannot_validate_with_the_approval_key(self):
        for user in (self.user_alice, self.user_salesman, self.user_accountant):
            with self.assertRaises(AccessError, msg=user.login):
                self.own.with_user(user).with_context(postproduction_approval=True).write(
                    {"approval_state": "validated"}
                )
        self.assertEqual(self.own.approval_state, "draft")

    def test_the_split_key_does_not_unlock_a_validated_timesheet(self):
        self.own.with_user(self.user_alice).action_submit()
        self.own.with_user(self.user_validator).action_validate()
        for user in (self.user_alice, self.user_accountant):
            with self.assertRaises(UserError, msg=user.login):
                self.own.with_user(user).with_context(postproduction_timesheet_split=True).write(
                    {"unit_amount": 1.0}
                )
        self.assertAlmostEqual(self.own.unit_amount, 8.0)

    def test_the_unlock_reason_key_does_not_replace_the_group(self):
        self.invoice.action_post()
        for user in (self.user_accountant, self.user_salesman):
            with self.assertRaises(AccessError, msg=user.login):
                self.invoice.with_user(user).with_context(
                    postproduction_unlock_reason="Mine"
                ).button_draft()
        self.assertEqual(self.invoice.state, "posted")

    def test_reset_to_draft_with_the_group_and_a_reason_is_logged_whatever_the_path(self):
        self.invoice.action_post()
        self.invoice.with_user(self.user_unlock).with_context(
            postproduction_unlock_reason="Wrong order reference"
        ).button_draft()
        self.assertEqual(self.invoice.state, "draft")
        self.assertIn("Wrong order reference", self.invoice.message_ids[0].body)

    def test_the_sent_key_needs_the_right_to_change_the_invoice(self):
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.user_alice).with_context(
                postproduction_mark_proforma_sent=True
            ).message_post(body="Sent?")
        self.assertFalse(self.invoice.is_move_sent)

    def credit_half_a_day(self, picked_by):
        """A credit note of half of Alice's day, posted with the timesheets ``picked_by``
        gives: (credit note, Alice's timesheets)."""
        self.invoice.action_post()
        refund = self.invoice._reverse_moves([{"invoice_date": date(2026, 2, 10)}])
        alice = self.invoice.timesheet_ids.filtered(lambda t: t.employee_id == self.alice)
        days_line = refund.invoice_line_ids.filtered(lambda aml: aml.sale_line_ids == alice.so_line)
        days_line.quantity = 0.5
        self.assertGreater(len(alice), 1)
        refund.with_user(self.user_accountant).with_context(
            postproduction_credited_timesheets=picked_by({days_line.id: alice.ids})
        ).action_post()
        return refund, alice

    def test_credited_timesheets_sent_by_a_client_are_ignored(self):
        refund, alice = self.credit_half_a_day(dict)  # what JSON-RPC or XML-RPC gives
        self.assertEqual(refund.state, "posted")
        freed = alice.filtered(lambda t: not t.timesheet_invoice_id)
        self.assertAlmostEqual(sum(freed.mapped("unit_amount")), 4.0, msg="only what it credits")

    def test_credited_timesheets_must_be_worth_what_the_credit_note_credits(self):
        with self.assertRaises(UserError) as refused:  # in a savepoint, as a request is
            self.credit_half_a_day(frozendict)
        self.assertIn("pick timesheets worth what it credits", str(refused.exception))
        self.assertEqual(
            self.invoice.timesheet_ids.filtered(lambda t: t.employee_id == self.alice).mapped(
                "timesheet_invoice_id"
            ),
            self.invoice,
        )

    def test_an_invoice_plan_sent_by_a_client_is_ignored(self):
        order_line = self.invoice.invoice_line_ids.sale_line_ids[:1]
        self.invoice.button_cancel()
        expected = order_line.qty_to_invoice
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(
                active_model="sale.order",
                active_ids=self.order.ids,
                postproduction_invoice_plan={order_line.id: {"quantity": 1000.0}},
            )
            .create({"advance_payment_method": "delivered"})
        )
        wizard.create_invoices()
        invoice = self.order.invoice_ids.filtered(lambda m: m.state == "draft")
        line = invoice.invoice_line_ids.filtered(lambda aml: aml.sale_line_ids == order_line)
        self.assertAlmostEqual(line.quantity, expected)
        self.assertFalse(invoice.proforma_number, "Odoo's own invoice, not a pro-forma of ours")

    def test_the_dashboard_month_key_neither_hides_nor_shows_rows(self):
        """The months and orders a dashboard search reads are the search's own: any value
        of the key from a client reads the rows the domain and the record rules select."""
        turnover = self.env["postproduction.turnover"].with_user(self.user_pp)
        domain = [("project_id", "in", self.projects.ids)]
        expected = turnover.search_read(domain, ["id", "period", "production_turnover"])
        self.assertTrue(expected)
        ids = [row["id"] for row in expected]
        for forged in (
            ["1990-01-01", "1990-01-01", None],  # JSON: a list, not the tuple it builds
            ("1990-01-01", "1990-01-01", None),
            "2026-01-01",
            [None, None, [self.order.id]],
        ):
            forged_turnover = turnover.with_context(postproduction_turnover_month=forged)
            self.assertEqual(
                forged_turnover.search_read(domain, ["id", "period", "production_turnover"]),
                expected,
                forged,
            )
            self.env.invalidate_all()
            self.assertEqual(
                forged_turnover.browse(ids).read(["period", "production_turnover"]),
                turnover.browse(ids).read(["period", "production_turnover"]),
                forged,
            )


class TestBillingKeysBelongToTheSystem(InvoiceDocumentCase):
    def test_no_user_deletes_or_creates_a_billing_key(self):
        key = self.invoice.postproduction_billing_key_ids[:1]
        self.assertTrue(key)
        manager = self.user_manager
        for user in (manager, self.user_accountant, self.user_unlock):
            with self.assertRaises(AccessError, msg=user.login):
                key.with_user(user).unlink()
            with self.assertRaises(AccessError, msg=user.login):
                key.with_user(user).copy({"sequence": 99})
        self.assertTrue(key.exists())

    def test_a_cancelled_generated_invoice_does_not_come_back_to_bill_twice(self):
        self.invoice.button_cancel()
        self.assertFalse(self.invoice.postproduction_billing_key_ids)
        with self.assertRaises(UserError) as refused:
            self.invoice.button_draft()
        self.assertIn("cannot go back to draft", str(refused.exception))
        self.assertEqual(self.invoice.state, "cancel")

    def test_an_invoicing_user_deletes_a_draft_pro_forma_and_frees_its_month(self):
        move = self.invoice.with_user(self.user_accountant)
        move.line_ids.check_access("unlink")
        move.unlink()
        self.env.flush_all()
        self.cr.execute(
            "SELECT COUNT(*) FROM postproduction_billing_key WHERE move_id = %s",
            [self.invoice.id],
        )
        self.assertEqual(self.cr.fetchone()[0], 0)
