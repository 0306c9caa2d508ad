from datetime import date

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tools.safe_eval import safe_eval

from ..calc import periods
from .common import JAN, KeptRowsCase, TurnoverCase

RUN = "postproduction.invoice.run"


class InvoiceDocumentCase(TurnoverCase):
    """Website's January invoice (SO_A, customer reference PO-4512): Alice 2.5 days at
    500 and Bob 12 hours at 70 from timesheets, an expense of 120 and a purchase of 300."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order.client_order_ref = "PO-4512"
        row = cls.env["postproduction.turnover"].search(
            [
                ("period", "=", JAN),
                ("project_id", "=", cls.project.id),
                ("order_id", "=", cls.order.id),
            ]
        )
        run = cls.env[RUN].generate(
            JAN, invoice_date=date(2026, 2, 3), domain=[("id", "=", row.id)]
        )
        cls.invoice = run.move_ids
        cls.user_unlock = new_test_user(
            cls.env,
            "pp_unlock",
            groups="base.group_user,account.group_account_invoice,"
            "postproduction.group_postproduction_invoice_unlock",
        )
        cls.user_accountant = new_test_user(
            cls.env, "pp_accountant", groups="base.group_user,account.group_account_invoice"
        )

    def html(self, move=None):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", (move or self.invoice).ids
        )
        return content.decode()

    def assert_printed(self, text, html, printed=True):
        """Like assertIn / assertNotIn, without dumping the whole page on failure."""
        self.assertEqual(text in html, printed, f"{text!r} {'not ' if printed else ''}printed")

    def statement_html(self):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "postproduction.report_activity_statement", self.invoice.ids
        )
        return content.decode()


class TestInvoiceDocument(InvoiceDocumentCase):
    def test_draft_is_titled_proforma_with_its_number(self):
        html = self.html()
        self.assertEqual(self.invoice.state, "draft")
        self.assert_printed("Pro-forma invoice", html)
        self.assert_printed(self.invoice.proforma_number, html)
        self.assert_printed("Draft Invoice", html, printed=False)

    def test_posted_is_titled_invoice_with_its_final_number(self):
        self.invoice.action_post()
        html = self.html()
        self.assert_printed("Pro-forma invoice", html, printed=False)
        self.assert_printed(self.invoice.proforma_number, html, printed=False)
        self.assert_printed(self.invoice.name, html)
        self.assertRegex(self.invoice.name, r"^INV/")

    def test_period_orders_and_customer_reference_are_printed(self):
        html = self.html()
        self.assert_printed("Services of January 2026", html)
        self.assert_printed(self.order.name, html)
        self.assert_printed("PO-4512", html)

    def test_amount_in_words_in_english(self):
        self.assertAlmostEqual(self.invoice.amount_total, 2697.5)
        words = self.invoice.currency_id.with_context(lang="en_US").amount_to_text(2697.5)
        self.assertIn("Two Thousand, Six Hundred And Ninety-Seven", words)
        self.assert_printed(words, self.html())

    def test_amount_in_words_and_month_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.acme.lang = "fr_FR"
        words = self.invoice.currency_id.with_context(lang="fr_FR").amount_to_text(2697.5)
        self.assertIn("Deux Mille Six Cent Quatre-Vingt-Dix-Sept", words)
        html = self.html()
        self.assert_printed(words, html)
        self.assert_printed("janvier 2026", html)
        self.assert_printed("January 2026", html, printed=False)

    def test_company_terms_are_the_footer_message(self):
        self.env["ir.config_parameter"].sudo().set_param("account.use_invoice_terms", True)
        self.company.invoice_terms = "<p>Payable by transfer within 30 days.</p>"
        self.invoice.narration = False
        self.assert_printed("Payable by transfer within 30 days.", self.html())

    def test_company_terms_are_not_printed_when_odoo_s_setting_is_off(self):
        self.env["ir.config_parameter"].sudo().set_param("account.use_invoice_terms", False)
        self.company.invoice_terms = "<p>Payable by transfer within 30 days.</p>"
        self.invoice.narration = False
        self.assert_printed("Payable by transfer within 30 days.", self.html(), printed=False)


class TestActivityStatement(InvoiceDocumentCase):
    def test_statement_totals_match_the_invoice_timesheet_lines(self):
        sections = self.invoice._postproduction_activity_statement()
        by_employee = {section["employee"]: section for section in sections}
        self.assertEqual(set(by_employee), {self.alice, self.bob})
        alice = by_employee[self.alice]
        self.assertEqual(
            alice["days"],
            [(date(2026, 1, 5), 1.0), (date(2026, 1, 6), 1.0), (date(2026, 1, 7), 0.5)],
        )
        self.assertAlmostEqual(alice["quantity"], 2.5)
        self.assertAlmostEqual(alice["rate"], 500.0)
        self.assertAlmostEqual(alice["amount"], 1250.0)
        self.assertAlmostEqual(by_employee[self.bob]["amount"], 840.0)
        timesheet_lines = self.invoice.invoice_line_ids.filtered(
            lambda line: line.sale_line_ids.qty_delivered_method == "timesheet"
        )
        total = sum(section["amount"] for section in sections)
        self.assertEqual(
            self.invoice.currency_id.compare_amounts(
                total, sum(timesheet_lines.mapped("price_subtotal"))
            ),
            0,
        )
        self.assertAlmostEqual(total, 2090.0, places=2)

    def test_statement_prints_consultants_and_a_signature_box(self):
        html = self.statement_html()
        for text in ("Activity statement", "Alice", "Bob", "Services of January 2026", "PO-4512"):
            self.assert_printed(text, html)
        self.assert_printed('name="signature"', html)

    def test_statement_is_offered_as_an_attachment_of_the_invoice_email(self):
        self.invoice.action_post()
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=self.invoice.ids)
            .create({})
        )
        reports = [data.get("dynamic_report") for data in wizard.mail_attachments_widget]
        self.assertIn("postproduction.report_activity_statement", reports)


class TestTaxesRequired(InvoiceDocumentCase):
    def test_posting_a_line_without_taxes_is_refused_naming_it(self):
        self.company.postproduction_taxes_required = True
        untaxed = self.invoice.invoice_line_ids.filtered(lambda line: not line.tax_ids)
        self.assertTrue(untaxed)
        with self.assertRaisesRegex(UserError, "have no tax") as error:
            self.invoice.action_post()
        self.assertIn(untaxed[0].name, str(error.exception))
        self.assertEqual(self.invoice.state, "draft")

    def test_posting_with_taxes_on_every_line_is_accepted(self):
        self.company.postproduction_taxes_required = True
        tax = self.env["account.tax"].create(
            {
                "name": "Exempt 0%",
                "amount": 0.0,
                "type_tax_use": "sale",
                "company_id": self.company.id,
            }
        )
        self.invoice.invoice_line_ids.write({"tax_ids": [Command.set(tax.ids)]})
        self.invoice.action_post()
        self.assertEqual(self.invoice.state, "posted")

    def test_without_the_setting_untaxed_lines_may_be_posted(self):
        self.company.postproduction_taxes_required = False
        self.invoice.action_post()
        self.assertEqual(self.invoice.state, "posted")


class TestBillingContacts(InvoiceDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acme.email = "info@acme.test"
        cls.billing = cls.env["res.partner"].create(
            {"name": "Acme accounts payable", "parent_id": cls.acme.id, "email": "ap@acme.test"}
        )
        cls.acme_contact.email = "buyer@acme.test"
        cls.invoice.action_post()

    def recipients(self):
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=self.invoice.ids)
            .create({})
        )
        return wizard.mail_partner_ids

    def test_billing_contact_and_ticked_contacts_receive_the_invoice(self):
        self.acme.postproduction_billing_contact_id = self.billing
        self.acme_contact.postproduction_invoice_copy = True
        self.assertEqual(self.recipients(), self.billing | self.acme_contact)

    def test_billing_contact_alone_when_no_contact_is_ticked(self):
        self.acme.postproduction_billing_contact_id = self.billing
        self.assertEqual(self.recipients(), self.billing)

    def test_customer_itself_without_billing_contact(self):
        self.assertEqual(self.recipients(), self.acme)


class TestProformaStatus(InvoiceDocumentCase):
    def test_status_follows_state_and_sending(self):
        invoice = self.invoice
        self.assertEqual(invoice.postproduction_status, "proforma_preparation")
        invoice.is_move_sent = True
        self.assertEqual(invoice.postproduction_status, "proforma_sent")
        invoice.action_post()
        invoice.is_move_sent = False
        self.assertEqual(invoice.postproduction_status, "final_to_send")
        invoice.is_move_sent = True
        self.assertEqual(invoice.postproduction_status, "final_sent")

    def test_default_filters_show_the_invoices_still_to_handle(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_proforma_invoice"
        )
        context = action["context"]
        for name in ("proforma_preparation", "proforma_sent", "final_to_send"):
            self.assertIn(f"'search_default_postproduction_{name}': 1", context)
        self.assertNotIn("search_default_postproduction_final_sent", context)
        domain = safe_eval(action["domain"])
        statuses = ["proforma_preparation", "proforma_sent", "final_to_send"]
        moves = self.env["account.move"].search(
            [*domain, ("postproduction_status", "in", statuses)]
        )
        self.assertIn(self.invoice, moves)

    def test_sending_the_proforma_marks_it_sent(self):
        self.invoice.with_context(postproduction_mark_proforma_sent=True).message_post(
            body="Pro-forma"
        )
        self.assertEqual(self.invoice.postproduction_status, "proforma_sent")


class TestUnlock(InvoiceDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice.action_post()

    def test_reset_to_draft_is_refused_without_the_unlock_wizard(self):
        with self.assertRaisesRegex(UserError, "Unlock"):
            self.invoice.with_user(self.user_accountant).button_draft()
        self.assertEqual(self.invoice.state, "posted")

    def test_unlock_is_refused_without_the_group(self):
        wizard = (
            self.env["postproduction.invoice.unlock.wizard"]
            .create({"move_ids": [Command.set(self.invoice.ids)], "reason": "Wrong rate"})
            .with_user(self.user_accountant)
        )
        with self.assertRaises(AccessError):
            wizard.action_unlock()
        self.assertEqual(self.invoice.state, "posted")

    def test_unlock_with_the_group_resets_and_logs_who_and_why(self):
        wizard = (
            self.env["postproduction.invoice.unlock.wizard"]
            .with_user(self.user_unlock)
            .create({"move_ids": [Command.set(self.invoice.ids)], "reason": "Wrong daily rate"})
        )
        wizard.action_unlock()
        self.assertEqual(self.invoice.state, "draft")
        message = self.invoice.message_ids[0]
        self.assertIn("Wrong daily rate", message.body)
        self.assertIn(self.user_unlock.name, message.body)
        self.assertEqual(message.author_id, self.user_unlock.partner_id)

    def test_unlock_requires_a_reason(self):
        with self.assertRaises(UserError):
            self.invoice.with_user(self.user_unlock)._postproduction_unlock("  ")


class TestDemoInvoices(KeptRowsCase):
    def demo_record(self, name):
        """The demo record ``name`` of PostProduction; the test is skipped without demo data."""
        record = self.env.ref(f"postproduction.{name}", raise_if_not_found=False)
        if not record:
            self.skipTest("demo data not installed")
        return record

    def months_ago(self, count):
        today = fields.Date.context_today(self.env.user)
        return periods.add_months(periods.month_start(today), -count)

    def test_demo_has_a_final_invoice_and_a_proforma_of_last_month(self):
        final = self.demo_record("demo_invoice_final")
        proforma = self.env.ref("postproduction.demo_invoice_proforma")
        last_month = self.months_ago(1)
        self.assertEqual((final.state, proforma.state), ("posted", "draft"))
        for invoice in final | proforma:
            self.assertRegex(invoice.proforma_number, r"^PF/\d{4}/\d{5}$")
            self.assertEqual(invoice.postproduction_period, last_month)
            self.assertTrue(invoice._postproduction_activity_statement())
        self.assertEqual(final._postproduction_orders(), self.env.ref("postproduction.order_erp"))
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", (final | proforma).ids
        )
        html = content.decode()
        for text in ("Pro-forma invoice", proforma.proforma_number, final.name):
            self.assertTrue(text in html, f"{text!r} not printed")

    def test_demo_has_an_invoice_corrected_by_a_write_off(self):
        invoice = self.demo_record("demo_invoice_corrected")
        refund = self.env.ref("postproduction.demo_credit_note")
        month = self.months_ago(2)
        self.assertEqual((invoice.state, refund.state), ("posted", "posted"))
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertEqual(refund.postproduction_period, month)
        (line,) = refund.invoice_line_ids
        self.assertEqual((line.quantity, line.postproduction_write_off), (0.5, True))
        self.assertEqual(invoice.payment_state, "partial")
        row = self.env["postproduction.turnover"].search(
            [("period", "=", month), ("order_id", "=", self.env.ref("postproduction.order_erp").id)]
        )
        self.assertAlmostEqual(row.written_off_turnover, refund.amount_untaxed)
        self.assertAlmostEqual(row.delta, 0.0)
        self.assertEqual(row.status, "invoiced")
