"""PostProduction in a live database: Odoo's own flows stay standard where it is not used."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import Form, new_test_user
from odoo.tools import mute_logger

from .common import KeptRowsCase, PostproductionCase


class TestCompanyWithoutPostproduction(KeptRowsCase):
    """A second company, "Plain services", invoices its timesheets the Odoo way: no
    delivery, no schedule, none of PostProduction's choices switched on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain = cls.env["res.company"].create({"name": "Plain services"})
        cls.env["account.chart.template"].try_loading("generic_coa", cls.plain, install_demo=False)
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=cls.plain.ids, tracking_disable=True)
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Native customer", "email": "native@example.com"}
        )
        cls.billing = cls.env["res.partner"].create(
            {"name": "Native billing", "parent_id": cls.customer.id, "email": "b@example.com"}
        )
        cls.customer.postproduction_billing_contact_id = cls.billing
        cls.product = cls.env["product.product"].create(
            {
                "name": "Consulting hour",
                "type": "service",
                "service_type": "timesheet",
                "invoice_policy": "delivery",
                "uom_id": cls.env.ref("uom.product_uom_hour").id,
                "uom_po_id": cls.env.ref("uom.product_uom_hour").id,
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
                "company_id": cls.plain.id,
            }
        )
        cls.project = cls.env["project.project"].create(
            {
                "name": "Native project",
                "partner_id": cls.customer.id,
                "allow_billable": True,
                "company_id": cls.plain.id,
            }
        )
        cls.employee = cls.env["hr.employee"].create(
            {"name": "Native consultant", "company_id": cls.plain.id}
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.plain.id,
                "order_line": [Command.create({"product_id": cls.product.id})],
            }
        )
        cls.order.action_confirm()
        cls.line = cls.order.order_line
        cls.line.project_id = cls.project
        cls.timesheets = cls.env["account.analytic.line"].create(
            [
                {
                    "name": "Work",
                    "project_id": cls.project.id,
                    "employee_id": cls.employee.id,
                    "so_line": cls.line.id,
                    "date": date(2026, 9, day),
                    "unit_amount": 4.0,
                }
                for day in (7, 8, 9)
            ]
        )

    def invoice(self):
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=self.order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        wizard.create_invoices()
        invoice = self.order.invoice_ids
        invoice.action_post()
        return invoice

    def test_the_company_chose_none_of_the_rules(self):
        self.assertFalse(self.plain.postproduction_validated_timesheets_only)
        self.assertFalse(self.plain.postproduction_auto_invoice)
        self.assertFalse(self.plain.postproduction_taxes_required)

    def test_draft_timesheets_count_as_delivered_as_in_odoo(self):
        self.assertEqual(set(self.timesheets.mapped("approval_state")), {"draft"})
        self.assertAlmostEqual(self.line.qty_delivered, 12.0)
        self.assertAlmostEqual(self.line.qty_to_invoice, 12.0)

    def test_an_invoice_without_taxes_posts_as_in_odoo(self):
        invoice = self.invoice()
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 1200.0)
        self.assertFalse(invoice._postproduction_in_use())

    def test_a_credit_note_frees_the_timesheets_as_odoo_does(self):
        invoice = self.invoice()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": date(2026, 10, 1)})
        )
        reversal.refund_moves()
        refund = invoice.reversal_move_ids
        refund.invoice_line_ids.quantity = 4.0  # a partial credit
        refund.action_post()
        self.assertFalse(refund._postproduction_in_use())
        self.assertFalse(self.timesheets.filtered("postproduction_credit_move_id"))
        # Odoo leaves the timesheets on the invoice and lets the order line invoice the
        # credited quantity again.
        self.assertEqual(self.timesheets.timesheet_invoice_id, invoice)
        self.assertAlmostEqual(self.line.qty_invoiced, 8.0)

    def test_send_and_print_keeps_odoo_recipients_and_attachments(self):
        invoice = self.invoice()
        send = self.env["account.move.send"]
        template = self.env.ref("account.email_template_edi_invoice")
        partners = send._get_default_mail_partner_ids(invoice, template, "en_US")
        self.assertIn(self.customer, partners)
        self.assertNotIn(self.billing, partners)
        attachments = send._get_placeholder_mail_template_dynamic_attachments_data(
            invoice, template
        )
        self.assertNotIn(
            "postproduction.report_activity_statement",
            {data.get("dynamic_report") for data in attachments},
        )

    def test_printed_invoice_is_odoo_s_own(self):
        self.plain.invoice_terms = "<p>Our terms</p>"
        self.env["ir.config_parameter"].sudo().set_param("account.use_invoice_terms", False)
        invoice = self.invoice()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice", invoice.ids)[0]
            .decode()
        )
        self.assertNotIn("postproduction_amount_in_words", html)
        self.assertNotIn("Our terms", html)


class TestTimesheetApprovalInALiveCompany(PostproductionCase):
    def test_switching_validated_only_on_keeps_what_was_delivered(self):
        self.company.postproduction_validated_timesheets_only = False
        order = self.create_order(self.acme)
        delivery = self.create_delivery(orders=order)
        timesheets = self.create_timesheet(date(2026, 3, 2)) | self.create_timesheet(
            date(2026, 3, 3)
        )
        self.assertAlmostEqual(delivery.sale_line_id.qty_delivered, 2.0)
        self.company.postproduction_validated_timesheets_only = True
        self.assertEqual(set(timesheets.mapped("approval_state")), {"validated"})
        self.assertEqual(timesheets.approval_user_id, self.env.user)
        self.assertAlmostEqual(delivery.sale_line_id.qty_delivered, 2.0)
        later = self.create_timesheet(date(2026, 3, 4))
        self.assertEqual(later.approval_state, "draft")
        self.assertAlmostEqual(delivery.sale_line_id.qty_delivered, 2.0)

    def test_switching_validated_only_off_counts_every_timesheet_again(self):
        order = self.create_order(self.acme)
        delivery = self.create_delivery(orders=order)
        self.create_timesheet(date(2026, 3, 2))
        self.assertAlmostEqual(delivery.sale_line_id.qty_delivered, 0.0)
        self.company.postproduction_validated_timesheets_only = False
        self.assertAlmostEqual(delivery.sale_line_id.qty_delivered, 1.0)

    def test_an_invoiced_draft_timesheet_can_still_be_validated(self):
        self.company.postproduction_validated_timesheets_only = False
        order = self.create_order(self.acme)
        delivery = self.create_delivery(orders=order)
        timesheet = self.create_timesheet(date(2026, 3, 2))
        order._create_invoices()
        self.assertTrue(timesheet.timesheet_invoice_id)
        timesheet.with_user(self.user_alice).action_submit()
        timesheet.with_user(self.user_validator).action_validate()
        self.assertEqual(timesheet.approval_state, "validated")
        self.assertAlmostEqual(delivery.sale_line_id.qty_invoiced, 1.0)


def _time_off_installed(case):
    return "global_leave_id" in case.env["account.analytic.line"]._fields


class TestTimeOffTimesheets(PostproductionCase):
    """Odoo's Time Off writes timesheets of its own (project_timesheet_holidays)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not _time_off_installed(cls):
            return
        cls.calendar = cls.company.resource_calendar_id
        cls.alice.resource_calendar_id = cls.calendar

    def setUp(self):
        super().setUp()
        if not _time_off_installed(self):
            self.skipTest("project_timesheet_holidays is not installed")

    def public_holiday(self, day):
        return self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime.combine(day, datetime.min.time()),
                "date_to": datetime.combine(day, datetime.max.time()).replace(microsecond=0),
            }
        )

    def time_off_lines(self, holiday):
        return self.env["account.analytic.line"].search(
            [("global_leave_id", "=", holiday.id), ("employee_id", "=", self.alice.id)]
        )

    def test_a_week_with_a_public_holiday_is_submitted_and_validated(self):
        holiday = self.public_holiday(date(2026, 5, 4))
        week = self.time_off_lines(holiday) | self.create_timesheet(date(2026, 5, 5))
        self.assertEqual(len(week), 2)
        week.with_user(self.user_alice).action_submit()
        self.assertEqual(set(week.mapped("approval_state")), {"submitted"})
        week.with_user(self.user_validator).action_validate()
        self.assertEqual(set(week.mapped("approval_state")), {"validated"})

    def test_a_public_holiday_with_submitted_timesheets_can_be_moved(self):
        holiday = self.public_holiday(date(2026, 5, 4))
        (self.time_off_lines(holiday) | self.create_timesheet(date(2026, 5, 5))).with_user(
            self.user_alice
        ).action_submit()
        holiday.write(
            {"date_from": datetime(2026, 5, 6, 0, 0), "date_to": datetime(2026, 5, 6, 23, 59)}
        )
        self.assertEqual(self.time_off_lines(holiday).mapped("date"), [date(2026, 5, 6)])

    @freeze_time("2026-04-01")
    def test_an_employee_with_submitted_time_off_can_be_archived(self):
        holiday = self.public_holiday(date(2026, 5, 4))
        lines = self.time_off_lines(holiday)
        lines.with_user(self.user_alice).action_submit()
        with mute_logger("odoo.models.unlink"):
            self.alice.action_archive()
        self.assertFalse(self.alice.active)
        self.assertFalse(lines.exists(), "Odoo removes the future time off of archived employees")


class TestSettingsPage(PostproductionCase):
    def test_settings_show_the_company_choices(self):
        user = new_test_user(
            self.env,
            "pp_settings",
            groups="base.group_system,postproduction.group_postproduction_manager",
        )
        self.company.write(
            {"postproduction_auto_invoice": False, "postproduction_auto_invoice_from": False}
        )
        with Form(self.env["res.config.settings"].with_user(user)) as settings:
            settings.postproduction_auto_invoice = True
        self.assertTrue(self.company.postproduction_auto_invoice)
        self.assertEqual(
            self.company.postproduction_auto_invoice_from,
            fields.Date.context_today(self.env["res.config.settings"].with_user(user)).replace(
                day=1
            ),
        )
