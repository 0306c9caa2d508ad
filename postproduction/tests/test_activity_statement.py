import json
import re
from datetime import date

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import PostproductionCase

OCT = date(2026, 10, 1)
STATEMENT = "postproduction.activity.statement"
# A 1x1 PNG, as the signature widget sends it (base64, without the data: prefix)
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)


class StatementCase(PostproductionCase):
    """Order SO_A of Acme requires the sign-off of its activity statements. In October
    2026 Alice (500 a day) worked 8, 4 and 3 hours, 1.875 days billed as 1.88 (the unit's
    rounding, as Odoo's invoice line), and Bob (400 a day) 8 hours: 940.00 + 400.00 =
    1,340.00 untaxed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order.write({"postproduction_signoff": "required", "client_order_ref": "PO-77"})
        cls.alice_delivery = cls.create_delivery(rate=500.0, orders=cls.order)
        cls.bob_delivery = cls.create_delivery(employee=cls.bob, rate=400.0, orders=cls.order)
        cls.timesheets = cls.env["account.analytic.line"]
        for day, hours, employee in ((1, 8.0, cls.alice), (2, 4.0, cls.alice), (5, 3.0, cls.alice)):
            cls.timesheets |= cls.create_timesheet(date(2026, 10, day), hours, employee)
        cls.timesheets |= cls.create_timesheet(date(2026, 10, 6), 8.0, cls.bob)
        cls.timesheets.sudo().action_validate()
        cls.acme.email = "accounts@acme.example.com"
        cls.billing = cls.env["res.partner"].create(
            {
                "name": "Jane Customer",
                "email": "jane@acme.example.com",
                "parent_id": cls.acme.id,
                "lang": "fr_FR",
            }
        )
        cls.copy = cls.env["res.partner"].create(
            {
                "name": "Paul Copy",
                "email": "paul@acme.example.com",
                "parent_id": cls.acme.id,
                "postproduction_invoice_copy": True,
            }
        )
        cls.acme.postproduction_billing_contact_id = cls.billing
        cls.env["res.lang"]._activate_lang("fr_FR")

    def statement(self, order=None):
        return self.env[STATEMENT]._for_orders(order or self.order, OCT)

    def sent(self):
        statement = self.statement()
        statement._mark_sent()
        return statement

    def signed(self):
        statement = self.sent()
        statement._sign("Jane Customer", SIGNATURE)
        return statement

    def row(self):
        self.env.invalidate_all()
        return self.env["postproduction.turnover"].search(
            [("period", "=", OCT), ("order_id", "=", self.order.id)]
        )

    def generate(self):
        return self.env["postproduction.invoice.run"].generate(
            OCT, invoice_date=date(2026, 11, 3), domain=[("order_id", "=", self.order.id)]
        )


class TestActivityStatement(StatementCase):
    def test_statement_shows_each_consultant_s_days_and_the_invoice_s_figures(self):
        statement = self.statement()
        self.assertRegex(statement.name, r"^AS/2026/\d{5}$")
        self.assertEqual(statement.state, "draft")
        self.assertEqual(
            [(line.employee_id, line.date, line.hours) for line in statement.line_ids],
            [
                (self.alice, date(2026, 10, 1), 8.0),
                (self.alice, date(2026, 10, 2), 4.0),
                (self.alice, date(2026, 10, 5), 3.0),
                (self.bob, date(2026, 10, 6), 8.0),
            ],
        )
        self.assertAlmostEqual(statement.quantity_total, 2.88)
        self.assertAlmostEqual(statement.amount_total, 1340.00)
        # the rounding remainder on the line's last day: 500 + 250 + 190
        self.assertEqual(statement.line_ids.mapped("amount"), [500.0, 250.0, 190.0, 400.0])
        sections = statement._get_sections()
        self.assertEqual([s["employee"] for s in sections], [self.alice, self.bob])
        self.assertAlmostEqual(sections[0]["amount"], 940.00)

        statement._mark_sent()
        statement._sign("Jane Customer", SIGNATURE)
        run = self.generate()
        invoice = run.move_ids
        self.assertEqual(len(invoice), 1, run.line_ids.mapped("reason"))
        # to the cent, line by line
        self.assertEqual(statement.currency_id.compare_amounts(invoice.amount_untaxed, 1340.00), 0)
        for sale_line in statement.line_ids.sale_line_id:
            billed = invoice.invoice_line_ids.filtered(
                lambda line, s=sale_line: s in line.sale_line_ids
            )
            days = statement.line_ids.filtered(lambda line, s=sale_line: line.sale_line_id == s)
            self.assertAlmostEqual(billed.quantity, sum(days.mapped("quantity")))
            self.assertAlmostEqual(billed.price_subtotal, sum(days.mapped("amount")))

    def test_generation_waits_for_the_signature(self):
        self.assertEqual(self.row().status, "awaiting_signoff")
        run = self.generate()
        self.assertFalse(run.move_ids)
        self.assertEqual(run.line_ids.mapped("reason_code"), ["awaiting_signoff"])
        self.assertIn("signature", run.line_ids.reason)

        statement = self.sent()
        self.assertEqual(
            (self.row().status, self.row().signoff_state), ("awaiting_signoff", "sent")
        )
        statement._sign("Jane Customer", SIGNATURE)
        self.assertEqual(self.row().status, "to_invoice")

        invoice = self.generate().move_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.postproduction_statement_ids, statement)
        attachments = self.env["account.move.send"]._get_invoice_extra_attachments_data(invoice)
        self.assertIn(statement.signed_pdf_id.id, [data["id"] for data in attachments])

    def test_a_statement_sent_after_the_month_s_invoice_shows_what_it_billed(self):
        self.order.postproduction_signoff = "none"
        invoice = self.generate().move_ids
        statement = self.statement()
        self.assertEqual(len(statement.line_ids), 4)
        self.assertEqual(
            statement.currency_id.compare_amounts(statement.amount_total, invoice.amount_untaxed), 0
        )
        invoice.button_cancel()
        self.assertEqual(len(self.statement().line_ids), 4, "unbilled again, still the month's")

    def test_an_order_without_required_sign_off_is_invoiced_as_before(self):
        self.order.postproduction_signoff = "none"
        self.assertEqual(self.row().status, "to_invoice")
        self.assertEqual(len(self.generate().move_ids), 1)

    def test_signing_stores_the_signature_and_the_signed_pdf(self):
        statement = self.sent().with_context(force_report_rendering=True)
        statement._sign("Jane Customer", SIGNATURE)
        self.assertEqual(statement.state, "signed")
        self.assertEqual(statement.signed_by, "Jane Customer")
        self.assertTrue(statement.signed_on and statement.signature)
        pdf = statement.signed_pdf_id
        self.assertEqual(
            (pdf.res_model, pdf.res_id, pdf.mimetype), (STATEMENT, statement.id, "application/pdf")
        )
        self.assertTrue(pdf.raw.startswith(b"%PDF"))
        self.assertIn(pdf, statement.message_ids.attachment_ids)

    def test_signing_needs_a_sent_statement_a_name_and_a_signature(self):
        statement = self.statement()
        with self.assertRaisesRegex(UserError, "cannot be signed or contested now"):
            statement._sign("Jane", SIGNATURE)
        statement._mark_sent()
        with self.assertRaisesRegex(UserError, "Type your name"):
            statement._sign(" ", SIGNATURE)
        with self.assertRaisesRegex(UserError, "Type your name"):
            statement._sign("Jane", False)
        self.assertEqual(statement.state, "sent")
        self.assertFalse(statement.signed_pdf_id)

    def test_contesting_logs_the_comment_and_asks_the_salesperson(self):
        statement = self.sent()
        with self.assertRaisesRegex(UserError, "Say what is wrong"):
            statement._contest("  ")
        statement._contest("Bob was on leave on 6 October.")
        self.assertEqual(statement.state, "contested")
        self.assertIn("on leave", statement.message_ids[0].body)
        activity = statement.activity_ids
        self.assertEqual(activity.user_id, self.order.user_id or self.env.user)
        self.assertEqual(self.row().status, "signoff_contested")
        self.assertEqual(self.generate().line_ids.reason_code, "signoff_contested")


class TestSignedMonthIsFrozen(StatementCase):
    def test_a_signed_month_refuses_timesheet_changes(self):
        statement = self.signed()
        timesheet = self.timesheets[0]
        with self.assertRaisesRegex(UserError, statement.name):
            timesheet.sudo().write({"unit_amount": 6.0})
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.create_timesheet(date(2026, 10, 20), 8.0)
        with self.assertRaisesRegex(UserError, statement.name):
            timesheet.sudo().unlink()
        with self.assertRaisesRegex(UserError, statement.name):
            timesheet.sudo().action_reset_to_draft()
        self.assertEqual(timesheet.unit_amount, 8.0)
        # the next month and other orders stay free
        november = self.create_timesheet(date(2026, 11, 2), 8.0)
        november.unit_amount = 7.0
        self.assertEqual(november.unit_amount, 7.0)

    def test_a_manager_resets_with_a_reason_and_the_link_stops_working(self):
        statement = self.signed()
        token = statement._portal_ensure_token()
        with self.assertRaisesRegex(UserError, "reason"):
            statement.with_user(self.user_manager).action_reset("")
        statement.with_user(self.user_manager).action_reset("Bob worked on another order")
        self.assertEqual(statement.state, "draft")
        self.assertFalse(statement.signature or statement.signed_by or statement.signed_pdf_id)
        self.assertIn("Bob worked on another order", statement.message_ids[0].body)
        self.assertNotEqual(statement._portal_ensure_token(), token)
        self.timesheets[-1].sudo().action_reset_to_draft()
        self.timesheets[-1].sudo().unlink()
        self.assertAlmostEqual(self.statement().amount_total, 940.00)

    def test_a_consultant_or_plain_user_cannot_reset(self):
        statement = self.signed()
        for user in (self.user_pp, self.user_alice):
            with self.subTest(user.login), self.assertRaises(AccessError):
                statement.with_user(user).with_context(
                    postproduction_reset_reason="I say so"
                ).action_reset()
        self.assertEqual(statement.state, "signed")


class TestStatementSendingAndReminders(StatementCase):
    def test_sending_addresses_it_like_invoices_in_the_customer_s_language(self):
        self.acme.lang = "fr_FR"
        self.env["ir.module.module"]._load_module_terms(["postproduction"], ["fr_FR"])
        action = self.row().action_send_for_signoff()
        statement = self.env[STATEMENT].browse(action["context"]["default_res_ids"])
        self.assertEqual(statement.order_id, self.order)
        composer = self.env["mail.compose.message"].with_context(**action["context"]).create({})
        self.assertEqual(composer.partner_ids, self.billing | self.copy)
        self.assertIn("à signer", composer.subject)
        composer.action_send_mail()
        # Sent on the sender's today, in its time zone (not the server's).
        today = fields.Date.context_today(statement)
        self.assertEqual((statement.state, statement.sent_date), ("sent", today))
        message = statement.message_ids[0]
        self.assertIn(f"/my/activity_statements/{statement.id}?access_token=", message.body)
        self.assertEqual(message.partner_ids, self.billing | self.copy)

    def test_reminders_on_given_dates_every_n_days_until_signed(self):
        self.company.postproduction_signoff_reminder_days = 3
        statement = self.sent()
        statement.sent_date = date(2026, 11, 2)
        Statement = self.env[STATEMENT]
        self.assertFalse(Statement._cron_remind(date(2026, 11, 4)))
        self.assertEqual(Statement._cron_remind(date(2026, 11, 5)), statement)
        self.assertFalse(Statement._cron_remind(date(2026, 11, 7)))
        self.assertEqual(Statement._cron_remind(date(2026, 11, 8)), statement)
        self.assertIn("Reminder", statement.message_ids[0].subject)
        statement._sign("Jane Customer", SIGNATURE)
        self.assertFalse(Statement._cron_remind(date(2026, 11, 20)))
        self.company.postproduction_signoff_reminder_days = 0
        other = self.sent()
        self.assertFalse(Statement._cron_remind(date(2027, 1, 1)), other)

    def test_another_company_s_statements_stay_invisible(self):
        statement = self.statement()
        _other, user = self.create_other_company_user(
            "pp_statement_other", "postproduction.group_postproduction_user"
        )
        self.assertFalse(self.env[STATEMENT].with_user(user).search([("id", "=", statement.id)]))
        with self.assertRaises(AccessError):
            statement.with_user(user).read(["amount_total"])

    def test_a_plain_employee_cannot_read_statements(self):
        statement = self.statement()
        with self.assertRaises(AccessError):
            statement.with_user(self.user_employee).read(["amount_total"])

    def test_a_postproduction_user_sends_but_cannot_delete_a_statement(self):
        statement = self.statement().with_user(self.user_pp)
        self.assertEqual(statement.action_send()["res_model"], "mail.compose.message")
        with self.assertRaises(AccessError):
            statement.unlink()


@tagged("post_install", "-at_install")
class TestStatementPortal(StatementCase, HttpCase):
    """The customer's page through a real HTTP server, with and without the token."""

    def page(self, statement, token):
        return self.url_open(f"/my/activity_statements/{statement.id}?access_token={token}")

    def test_the_right_token_shows_the_statement_and_nothing_else_does(self):
        statement = self.sent()
        token = statement._portal_ensure_token()
        response = self.page(statement, token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Alice", response.text)
        self.assertIn("1,340.00", response.text)
        self.assertIn("PO-77", response.text)
        for bad in ("wrong-token", ""):
            response = self.page(statement, bad)
            self.assertNotEqual(response.status_code, 200, bad)
            self.assertNotIn("1,340.00", response.text)
        other = self.env[STATEMENT]._for_orders(self.create_order(self.globex), OCT)
        other._portal_ensure_token()
        response = self.page(other, token)
        self.assertNotEqual(response.status_code, 200)
        statement.with_user(self.user_manager).action_reset("New timesheet")
        self.assertNotEqual(self.page(statement, token).status_code, 200)

    def test_signing_through_the_route(self):
        statement = self.sent()
        token = statement._portal_ensure_token()
        response = self.url_open(
            f"/my/activity_statements/{statement.id}/sign?access_token={token}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"name": "Jane", "signature": SIGNATURE},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        result = response.json()["result"]
        self.assertTrue(result["force_refresh"], result)
        self.assertEqual((statement.state, statement.signed_by), ("signed", "Jane"))
        again = self.url_open(
            f"/my/activity_statements/{statement.id}/sign?access_token=wrong",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"name": "X", "signature": SIGNATURE},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("error", again.json()["result"])

    def test_contesting_through_the_page_s_form(self):
        statement = self.sent()
        token = statement._portal_ensure_token()
        page = self.page(statement, token).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.url_open(
            f"/my/activity_statements/{statement.id}/contest?access_token={token}",
            data={"csrf_token": csrf, "comment": "Two days too many"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            (statement.state, statement.contest_comment), ("contested", "Two days too many")
        )

    def test_the_customer_signs_in_a_browser(self):
        statement = self.sent()
        token = statement._portal_ensure_token()
        self.start_tour(
            f"/my/activity_statements/{statement.id}?access_token={token}",
            "postproduction_activity_statement_sign",
            login=None,
        )
        self.assertEqual((statement.state, statement.signed_by), ("signed", "Jane Customer"))
        self.assertTrue(statement.signed_pdf_id)
