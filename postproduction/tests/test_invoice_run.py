from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

from ..models.postproduction_invoice_run import PostproductionInvoiceRun
from .common import FEB, JAN, PostproductionCase, TurnoverCase

RUN = "postproduction.invoice.run"
MAR = date(2026, 3, 1)


class InvoiceRunCase(TurnoverCase):
    """The dashboard's scenario (see ``TurnoverCase``): in January, Website (SO_A, 2,510)
    and Export (SO_X, 1,000 in another currency) are ready; every other status appears
    once; Portal's instalment of 5,000 is due in February."""

    def generate(self, period=JAN, **kwargs):
        return self.env[RUN].generate(period, invoice_date=date(2026, 2, 3), **kwargs)

    def line(self, run, project, order=None):
        lines = run.line_ids.filtered(
            lambda line: line.project_id == project and line.order_id == (order or line.order_id)
        )
        self.assertEqual(len(lines), 1, f"one result for {project.name}")
        return lines

    def order_domain(self, *orders):
        return [("order_id", "in", [order.id for order in orders])]

    def db_counts(self):
        self.env.flush_all()
        self.cr.execute(
            """SELECT (SELECT COUNT(*) FROM account_move),
                      (SELECT COUNT(*) FROM account_move_line),
                      (SELECT COUNT(*) FROM ir_sequence),
                      (SELECT COUNT(*) FROM postproduction_billing_key),
                      (SELECT COUNT(*) FROM postproduction_schedule WHERE state = 'invoiced'),
                      (SELECT COUNT(*) FROM account_analytic_line
                        WHERE timesheet_invoice_id IS NOT NULL),
                      (SELECT string_agg(number_next::text, ',' ORDER BY id) FROM ir_sequence),
                      (SELECT string_agg(number_next::text, ',' ORDER BY id)
                         FROM ir_sequence_date_range)"""
        )
        return self.cr.fetchone()


class TestGenerate(InvoiceRunCase):
    def test_generate_one_row_creates_a_numbered_proforma(self):
        row = self.row(self.project, self.order)
        run = self.generate(domain=[("id", "=", row.id)])
        self.assertEqual(run.state, "done")
        self.assertFalse(run.simulate)
        invoice = run.move_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertRegex(invoice.proforma_number, r"^PF/2026/\d{5}$")
        self.assertEqual(invoice.display_name, invoice.proforma_number)
        self.assertEqual(invoice.postproduction_period, JAN)
        self.assertEqual(invoice.postproduction_run_id, run)
        self.assertEqual(invoice.invoice_date, date(2026, 2, 3))
        self.assertEqual(invoice.invoice_origin, self.order.name)
        self.assertEqual(invoice.invoice_payment_term_id, self.order.payment_term_id)
        self.assertEqual(invoice.fiscal_position_id, self.order.fiscal_position_id)
        self.assertAlmostEqual(invoice.amount_untaxed, 2510.0)
        line = self.line(run, self.project, self.order)
        self.assertEqual((line.result, line.move_id), ("generated", invoice))
        self.assertAlmostEqual(line.amount, 2510.0)
        self.assertEqual(run.generated_count, 1)
        self.assertEqual(run.move_count, 1)
        self.env.invalidate_all()
        row = self.row(self.project, self.order)
        self.assertAlmostEqual(row.delta, 0.0)
        self.assertEqual(row.status, "invoiced")

    def test_generate_all_reports_every_line_with_its_reason(self):
        run = self.generate()
        results = {
            (line.project_id.name, line.order_id.name or ""): (line.result, line.reason_code)
            for line in run.line_ids
        }
        expected = {
            (self.project.name, self.order.name): ("generated", False),
            (self.export.name, self.order_x.name): ("generated", False),
            (self.mobile.name, self.order_b.name): ("skipped", "timesheets_pending"),
            (self.support.name, ""): ("skipped", "no_order"),
            (self.audit.name, ""): ("skipped", "multiple_orders"),
            (self.migration.name, self.order_e.name): ("skipped", "partial_correlation"),
            (self.migration.name, ""): ("skipped", "no_order"),
            (self.portal.name, self.order_f.name): ("skipped", "no_schedule"),
            (self.tools.name, self.order_g.name): ("skipped", "nothing_to_invoice"),
        }
        self.assertEqual(
            {key: value for key, value in results.items() if key in expected}, expected
        )
        self.assertEqual(len(run.move_ids), 2)
        for line in run.line_ids.filtered(lambda line: line.result == "skipped"):
            self.assertTrue(line.reason and line.reason.endswith("."), line.reason)
        self.assertAlmostEqual(self.line(run, self.export).amount, 1000.0)
        self.assertEqual(self.line(run, self.export).move_id.currency_id, self.foreign)

    def test_generate_a_selection(self):
        run = self.generate(domain=self.order_domain(self.order_x))
        self.assertEqual(run.move_ids.invoice_origin, self.order_x.name)
        self.assertEqual(run.line_ids.order_id, self.order_x)

    def test_second_run_finds_the_month_already_invoiced(self):
        self.generate(domain=self.order_domain(self.order))
        run = self.generate(domain=self.order_domain(self.order))
        self.assertFalse(run.move_ids)
        self.assertEqual(self.line(run, self.project).reason_code, "already_invoiced")

    def test_stale_dashboard_is_checked_again_under_the_lock(self):
        """A row read as 'to invoice' before another run billed it is not billed twice."""
        stale = self.env["postproduction.turnover"].search(
            [("period", "=", JAN), ("order_id", "=", self.order.id)]
        )
        self.assertEqual(stale.status, "to_invoice")
        self.generate(domain=self.order_domain(self.order))
        run = self.env[RUN].create(
            self.env[RUN]._prepare_run_values(
                JAN, None, False, self.order_domain(self.order), "order", None, "manual"
            )
        )
        run._process_batch([self.order])
        self.assertFalse(run.move_ids)
        self.assertEqual(run.line_ids.reason_code, "already_invoiced")

    def test_timesheets_of_another_month_are_never_invoiced(self):
        february = self._timesheet(self.project, self.bob, date(2026, 2, 9))
        run = self.generate(domain=self.order_domain(self.order))
        self.assertAlmostEqual(run.move_ids.amount_untaxed, 2510.0)
        self.assertFalse(february.timesheet_invoice_id)
        january = self.env["account.analytic.line"].search(
            [("project_id", "=", self.project.id), ("date", "<", FEB), ("employee_id", "!=", False)]
        )
        self.assertEqual(january.timesheet_invoice_id, run.move_ids)

    def test_grouping_per_customer_makes_one_invoice_per_currency(self):
        self.company.postproduction_validated_timesheets_only = False
        self.env.invalidate_all()
        run = self.generate(
            domain=self.order_domain(self.order, self.order_b, self.order_x), grouping="partner"
        )
        self.assertEqual(len(run.move_ids), 2)
        local = run.move_ids.filtered(lambda m: m.currency_id != self.foreign)
        self.assertEqual(
            set(local.invoice_origin.split(", ")), {self.order.name, self.order_b.name}
        )
        self.assertAlmostEqual(local.amount_untaxed, 2510.0 + 2400.0)
        self.assertEqual(len(run.line_ids.filtered(lambda r: r.result == "generated")), 3)

    def test_company_terms_go_to_the_invoice(self):
        self.env["ir.config_parameter"].sudo().set_param("account.use_invoice_terms", True)
        self.company.invoice_terms = "<p>Payment within 30 days.</p>"
        run = self.generate(domain=self.order_domain(self.order))
        self.assertIn("Payment within 30 days.", str(run.move_ids.narration))

    def test_due_date_follows_the_invoice_date(self):
        # Without payment terms Odoo would keep the day of the run as due date, which can
        # fall before the invoice date; with terms, they decide.
        self.order.payment_term_id = False
        self.order_x.payment_term_id = self.env.ref("account.account_payment_term_30days")
        run = self.generate(domain=self.order_domain(self.order, self.order_x))
        (plain,) = run.move_ids.filtered(
            lambda move: self.order in move.line_ids.sale_line_ids.order_id
        )
        (with_terms,) = run.move_ids - plain
        self.assertEqual(plain.invoice_date_due, date(2026, 2, 3))
        self.assertEqual(with_terms.invoice_date_due, date(2026, 3, 5))


class TestBadInput(InvoiceRunCase):
    def assert_refused(self, message, *args, **kwargs):
        runs = self.env[RUN].search_count([])
        with self.assertRaises(UserError) as refused:
            self.env[RUN].generate(*args, **kwargs)
        self.assertIn(message, str(refused.exception))
        self.assertEqual(self.env[RUN].search_count([]), runs, "nothing half-written")

    def test_no_month_is_refused(self):
        self.assert_refused("Give the month", None)
        self.assert_refused("Give the month", False)

    def test_a_month_that_is_not_a_date_is_refused(self):
        self.assert_refused("must be a date", "January")
        self.assert_refused("must be a date", "2026-13-01")

    def test_a_month_the_dashboard_cannot_hold_is_refused(self):
        self.assert_refused("outside the months", date(1949, 12, 1))

    def test_an_invoice_date_before_the_billed_month_is_refused(self):
        self.assert_refused("falls before the month", JAN, invoice_date=date(2025, 12, 31))

    def test_an_invoice_date_more_than_a_year_away_is_refused(self):
        self.assert_refused("more than a year away", JAN, invoice_date=date(2028, 1, 1))
        self.assert_refused("must be a date", JAN, invoice_date="soon")


class TestTestMode(InvoiceRunCase):
    def test_test_mode_leaves_the_database_unchanged(self):
        before = self.db_counts()
        run = self.generate(simulate=True)
        self.assertEqual(self.db_counts(), before)
        self.assertTrue(run.simulate)
        self.assertFalse(run.move_ids)
        website = self.line(run, self.project, self.order)
        self.assertEqual(website.result, "simulated")
        self.assertAlmostEqual(website.amount, 2510.0)
        self.assertAlmostEqual(self.line(run, self.export).amount, 1000.0)
        self.assertEqual(self.line(run, self.mobile).reason_code, "timesheets_pending")

    def test_test_mode_shows_the_amounts_a_real_run_invoices(self):
        simulated = self.generate(simulate=True)
        real = self.generate()
        for line in real.line_ids.filtered(lambda r: r.result == "generated"):
            twin = self.line(simulated, line.project_id, line.order_id)
            self.assertEqual(twin.result, "simulated")
            self.assertAlmostEqual(twin.amount, line.amount)


class TestNeverTwice(InvoiceRunCase):
    def test_billing_key_is_unique_in_the_database(self):
        run = self.generate(domain=self.order_domain(self.order))
        key = run.move_ids.postproduction_billing_key_ids
        self.assertEqual(len(key), 1)
        self.assertEqual(
            (key.project_id, key.order_id, key.period, key.kind, key.sequence),
            (self.project, self.order, JAN, "production", 1),
        )
        self.assertEqual(run.move_ids.invoice_line_ids.postproduction_billing_key_id, key)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            key.copy({"move_id": key.move_id.id})

    def test_billing_key_without_project_is_unique_too(self):
        move = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.acme.id}
        )
        values = {
            "company_id": self.company.id,
            "order_id": self.order_f.id,
            "period": FEB,
            "kind": "schedule",
            "move_id": move.id,
        }
        self.env["postproduction.billing.key"].create(values)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["postproduction.billing.key"].create(values)

    def test_cancelled_invoice_frees_its_line(self):
        first = self.generate(domain=self.order_domain(self.order))
        first.move_ids.button_cancel()
        self.assertFalse(first.move_ids.postproduction_billing_key_ids)
        self.env.invalidate_all()
        self.assertEqual(self.row(self.project, self.order).status, "to_invoice")
        second = self.generate(domain=self.order_domain(self.order))
        self.assertAlmostEqual(second.move_ids.amount_untaxed, 2510.0)
        self.assertNotEqual(second.move_ids.proforma_number, first.move_ids.proforma_number)

    def test_late_timesheet_is_invoiced_as_the_difference(self):
        first = self.generate(domain=self.order_domain(self.order))
        self._timesheet(self.project, self.alice, date(2026, 1, 20))
        self.env.invalidate_all()
        row = self.row(self.project, self.order)
        self.assertAlmostEqual(row.delta, 500.0)
        self.assertEqual(row.status, "to_invoice")
        second = self.generate(domain=self.order_domain(self.order))
        self.assertAlmostEqual(second.move_ids.amount_untaxed, 500.0)
        self.assertEqual(second.move_ids.postproduction_billing_key_ids.sequence, 2)
        self.assertNotEqual(first.move_ids, second.move_ids)
        self.env.invalidate_all()
        self.assertAlmostEqual(self.row(self.project, self.order).delta, 0.0)

    def test_partial_credit_note_bills_again_only_what_it_credits(self):
        run = self.generate(domain=self.order_domain(self.order))
        invoice = run.move_ids
        invoice.action_post()
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.acme.id,
                "invoice_date": date(2026, 2, 10),
                "postproduction_period": JAN,
                "reversed_entry_id": invoice.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.day_product.id,
                            "quantity": 1,
                            "price_unit": 500.0,
                            "tax_ids": [Command.clear()],
                            "sale_line_ids": [Command.set(self.alice_website.sale_line_id.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        self.assertIn(refund, self.order.invoice_ids)
        # The credited day returns to invoice, the rest of the month stays billed (Odoo
        # would free the whole month); so does Odoo's own period recomputation.
        self.order.order_line._recompute_qty_to_invoice(JAN, date(2026, 1, 31))
        self.assertAlmostEqual(self.alice_website.sale_line_id.qty_to_invoice, 1.0)
        self.env.invalidate_all()
        self.assertAlmostEqual(self.row(self.project, self.order).delta, 500.0)
        again = self.generate(domain=self.order_domain(self.order))
        self.assertEqual(again.move_ids.invoice_line_ids.mapped("quantity"), [1.0])
        self.assertAlmostEqual(again.move_ids.amount_untaxed, 500.0)
        self.env.invalidate_all()
        self.assertAlmostEqual(self.row(self.project, self.order).delta, 0.0)

    def test_an_order_locked_by_another_run_is_skipped(self):
        with self.registry.cursor() as other_cr:
            other = self.env(cr=other_cr)[RUN]
            self.assertEqual(other._lock_orders(self.order), {self.order.id})
            run = self.generate(domain=self.order_domain(self.order, self.order_x))
            self.assertEqual(self.line(run, self.project).reason_code, "locked")
            self.assertIn("another run", self.line(run, self.project).reason)
            self.assertEqual(run.move_ids.invoice_origin, self.order_x.name)
            other_cr.rollback()
        run = self.generate(domain=self.order_domain(self.order))
        self.assertEqual(self.line(run, self.project).result, "generated")

    def test_a_failing_order_does_not_stop_the_others(self):
        contact = self.env["res.partner"].create({"name": "Old address", "parent_id": self.acme.id})
        self.order_x.partner_invoice_id = contact
        contact.active = False
        run = self.generate(domain=self.order_domain(self.order, self.order_x))
        failed = self.line(run, self.export)
        self.assertEqual((failed.result, failed.reason_code), ("failed", "error"))
        self.assertIn("is archived", failed.reason)
        self.assertFalse(failed.move_id)
        self.assertEqual(self.line(run, self.project).result, "generated")
        self.assertEqual(run.move_ids.invoice_origin, self.order.name)
        self.assertFalse(
            self.env["account.move"].search([("invoice_origin", "=", self.order_x.name)])
        )

    def test_an_order_whose_plan_raises_fails_alone(self):
        # A schedule order without a priced line cannot carry its instalment: its plan
        # raises, which once failed the whole run.
        unpriced = self.create_order(
            self.acme,
            postproduction_mode="schedule",
            order_line=[Command.create({"product_id": self.day_product.id, "price_unit": 800})],
        )
        self.env["postproduction.schedule"].create(
            {"order_id": unpriced.id, "date": date(2026, 2, 10), "name": "1/1", "amount": 800}
        )
        unpriced.order_line.price_unit = 0.0  # the line the instalment was to bill goes
        self._deliver(self.portal, self.bob, 100.0, unpriced)
        run = self.generate(FEB, domain=self.order_domain(self.order_f, unpriced))
        self.assertEqual(run.state, "done")
        failed = run.line_ids.filtered(lambda line: line.order_id == unpriced)
        self.assertEqual(set(failed.mapped("result")), {"failed"})
        self.assertIn("has no priced line", failed[0].reason)
        self.assertAlmostEqual(run.move_ids.amount_untaxed, 5000.0)
        self.assertEqual(run.move_ids.invoice_line_ids.sale_line_ids.order_id, self.order_f)

    def test_product_without_income_account_fails_its_order(self):
        product = self.day_product.product_tmpl_id
        with patch.object(
            type(product), "get_product_accounts", lambda self, fiscal_pos=None: {"income": False}
        ):
            run = self.generate(domain=self.order_domain(self.order))
        self.assertEqual(self.line(run, self.project).result, "failed")
        self.assertIn("no income account", self.line(run, self.project).reason)


class TestSchedule(InvoiceRunCase):
    def test_instalment_is_billed_in_its_month_only(self):
        january = self.generate(domain=self.order_domain(self.order_f))
        self.assertFalse(january.move_ids)
        self.assertEqual(self.line(january, self.portal).reason_code, "no_schedule")
        february = self.generate(FEB, domain=self.order_domain(self.order_f))
        invoice = february.move_ids
        self.assertAlmostEqual(invoice.amount_untaxed, 5000.0)
        order_line = self.order_f.order_line
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, order_line)
        self.assertEqual(
            invoice.invoice_line_ids.account_id,
            order_line.product_id.product_tmpl_id.get_product_accounts()["income"],
        )
        self.assertAlmostEqual(order_line.qty_invoiced, 0.5)
        instalment = self.order_f.postproduction_schedule_ids
        self.assertEqual((instalment.state, instalment.move_id), ("invoiced", invoice))
        self.assertEqual(invoice.postproduction_billing_key_ids.kind, "schedule")
        self.env.invalidate_all()
        self.assertEqual(self.row(self.portal, self.order_f, FEB).status, "invoiced")
        invoice.button_cancel()
        self.assertEqual(instalment.state, "to_invoice")

    def test_instalment_prints_as_one_instalment_of_its_amount(self):
        # 5,000 on a 62,500 order: the sixth of twelve instalments, 8 % of the order
        self.order_f.order_line.price_unit = 62500.0
        february = self.order_f.postproduction_schedule_ids
        for month in (9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20):
            february.copy(
                {"date": date(2025 + month // 13, (month - 1) % 12 + 1, 10), "amount": 5227.27}
            )
        invoice = self.generate(FEB, domain=self.order_domain(self.order_f)).move_ids
        self.assertAlmostEqual(invoice.amount_untaxed, 5000.0)
        self.assertAlmostEqual(invoice.invoice_line_ids.quantity, 0.08)  # the order's progress
        self.assertAlmostEqual(self.order_f.order_line.qty_invoiced, 0.08)
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", invoice.ids
        )
        row = etree.fromstring(content, etree.HTMLParser()).xpath(
            "//td[@name='account_invoice_line_name']/.."
        )[0]
        cells = {cell.get("name"): " ".join(cell.itertext()).split() for cell in row.xpath("td")}
        self.assertEqual(cells["td_quantity"], ["1"])
        self.assertEqual(cells["td_price_unit"], ["5,000.00"])
        self.assertIn("Instalment 6 of 12, 8.00 %", " ".join(cells["account_invoice_line_name"]))

    def test_invoice_without_instalment_prints_its_quantities(self):
        invoice = self.generate(domain=self.order_domain(self.order)).move_ids
        self.assertFalse(invoice._postproduction_instalment_lines())

    def test_instalment_of_a_third_is_invoiced_to_the_cent(self):
        instalment = self.order_f.postproduction_schedule_ids
        instalment.amount = 3333.33
        run = self.generate(FEB, domain=self.order_domain(self.order_f))
        self.assertAlmostEqual(run.move_ids.amount_untaxed, 3333.33)


class TestCron(InvoiceRunCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the demo company's own invoicing day stays out of these tests
        cls.company.write(
            {
                "postproduction_auto_invoice": True,
                "postproduction_auto_invoice_from": JAN,
                "postproduction_invoicing_day": 0,
            }
        )

    def test_no_invoice_appears_by_itself_without_the_company_choice(self):
        self.company.write(
            {"postproduction_auto_invoice": False, "postproduction_invoicing_day": 1}
        )
        generated = self.env["account.move"].search_count([("postproduction_run_id", "!=", False)])
        self.assertFalse(self.env[RUN]._generate_due_invoices(date(2026, 3, 2)))
        self.assertEqual(
            self.env["account.move"].search_count([("postproduction_run_id", "!=", False)]),
            generated,
        )
        self.assertEqual(self.order_f.postproduction_schedule_ids.state, "to_invoice")

    def test_nothing_due_before_the_start_date_is_invoiced_automatically(self):
        self.company.write(
            {"postproduction_invoicing_day": 1, "postproduction_auto_invoice_from": MAR}
        )
        self.assertFalse(self.env[RUN]._generate_due_invoices(date(2026, 3, 2)))
        self.assertEqual(self.order_f.postproduction_schedule_ids.state, "to_invoice")

    def test_switching_automatic_generation_on_starts_this_month(self):
        self.company.write(
            {"postproduction_auto_invoice": False, "postproduction_auto_invoice_from": False}
        )
        with freeze_time("2026-03-17"):
            self.company.postproduction_auto_invoice = True
        self.assertEqual(self.company.postproduction_auto_invoice_from, MAR)

    def test_automatic_generation_requires_a_start_date(self):
        with self.assertRaises(ValidationError):
            self.company.write(
                {"postproduction_auto_invoice": True, "postproduction_auto_invoice_from": False}
            )

    def test_cron_invoices_last_month_on_the_invoicing_day(self):
        self.company.postproduction_invoicing_day = 5
        self.assertFalse(self.env[RUN]._generate_due_invoices(date(2026, 2, 4)))
        runs = self.env[RUN]._generate_due_invoices(date(2026, 2, 5))
        self.assertEqual(runs.trigger, "cron")
        self.assertEqual(runs.period, JAN)
        self.assertEqual(
            set(runs.move_ids.mapped("invoice_origin")), {self.order.name, self.order_x.name}
        )
        self.assertFalse(runs.line_ids.filtered(lambda r: r.order_id == self.order_f))
        self.assertFalse(self.env[RUN]._generate_due_invoices(date(2026, 2, 6)))

    def test_cron_bills_instalments_when_due(self):
        self.assertFalse(self.env[RUN]._generate_due_invoices(date(2026, 2, 27)))
        runs = self.env[RUN]._generate_due_invoices(date(2026, 2, 28))
        self.assertEqual(runs.period, FEB)
        self.assertAlmostEqual(runs.move_ids.amount_untaxed, 5000.0)
        self.assertEqual(runs.line_ids.order_id, self.order_f)

    def test_cron_resumes_after_an_interruption(self):
        self.company.postproduction_invoicing_day = 1
        calls = []
        original = PostproductionInvoiceRun._process_unit

        def crash_on_third(run, unit, rows_by_order, locked):
            calls.append(unit)
            if len(calls) == 3:
                raise WorkerKilled("worker killed")
            return original(run, unit, rows_by_order, locked)

        with (
            patch.object(PostproductionInvoiceRun, "_get_batch_size", lambda self: 2),
            patch.object(PostproductionInvoiceRun, "_process_unit", crash_on_third),
            self.assertRaisesRegex(WorkerKilled, "worker killed"),
        ):
            self.env[RUN]._generate_due_invoices(date(2026, 2, 2))
        run = self.env[RUN].search([("trigger", "=", "cron")])
        self.assertEqual(run.state, "running")
        first_batch = run.line_ids.order_id
        self.assertEqual(first_batch, calls[0] | calls[1])
        with patch.object(PostproductionInvoiceRun, "_get_batch_size", lambda self: 2):
            resumed = self.env[RUN]._generate_due_invoices(date(2026, 2, 3))
        self.assertEqual(resumed, run)
        self.assertEqual(run.state, "done")
        for order in (self.order, self.order_x):
            invoices = self.env["account.move"].search([("invoice_origin", "=", order.name)])
            self.assertEqual(len(invoices), 1, order.name)
        keys = [(line.project_id, line.order_id) for line in run.line_ids]
        self.assertEqual(len(keys), len(set(keys)))

    def test_one_company_s_failure_does_not_stop_the_others(self):
        other = self.env["res.company"].create(
            {
                "name": "Failing services",
                "postproduction_auto_invoice": True,
                "postproduction_auto_invoice_from": JAN,
            }
        )
        # the registry's class, whichever file of the model defines the method
        run_class = type(self.env[RUN])
        original = run_class._due_work

        def failing_due_work(run, company, date_ref):
            if company == other:
                raise ValueError("broken company")
            return original(run, company, date_ref)

        self.company.postproduction_auto_invoice_from = JAN
        with (
            patch.object(run_class, "_due_work", failing_due_work),
            mute_logger("odoo.addons.postproduction.models.postproduction_invoice_run_cron"),
        ):
            runs = self.env[RUN]._generate_due_invoices(date(2026, 2, 28))
        self.assertEqual(runs.company_id, self.company)
        self.assertAlmostEqual(runs.move_ids.amount_untaxed, 5000.0)

    def test_a_month_whose_run_was_all_locked_is_tried_again(self):
        self.company.postproduction_invoicing_day = 1
        with patch.object(PostproductionInvoiceRun, "_lock_orders", lambda run, orders: set()):
            first = self.env[RUN]._generate_due_invoices(date(2026, 2, 2))
        self.assertEqual(first.state, "done")
        self.assertFalse(first.move_ids)
        self.assertEqual(set(first.line_ids.filtered("order_id").mapped("reason_code")), {"locked"})
        again = self.env[RUN]._generate_due_invoices(date(2026, 2, 3))
        self.assertTrue(again.move_ids)


class WorkerKilled(BaseException):
    """A worker killed mid-run: nothing catches it, as nothing runs after a SIGKILL."""


class TestAccess(InvoiceRunCase):
    def test_postproduction_user_cannot_generate_but_reads_runs(self):
        run = self.generate(simulate=True)
        with self.assertRaises(AccessError):
            self.env[RUN].with_user(self.user_pp).generate(JAN)
        self.assertIn(run, self.env[RUN].with_user(self.user_pp).search([]))
        run.with_user(self.user_pp).line_ids.read(["reason", "amount"])

    def test_manager_generates(self):
        run = (
            self.env[RUN]
            .with_user(self.user_manager)
            .generate(JAN, domain=self.order_domain(self.order))
        )
        self.assertEqual(len(run.move_ids), 1)

    def test_a_run_never_touches_another_companys_orders(self):
        other, user = self.create_other_company_user(
            "pp_other_manager", "postproduction.group_postproduction_manager"
        )
        run = self.env[RUN].with_user(user).generate(JAN)
        self.assertEqual(run.company_id, other)
        self.assertFalse(run.line_ids)
        self.assertFalse(self.env["account.move"].search([("postproduction_run_id", "=", run.id)]))
        self.assertFalse(
            self.env[RUN].with_user(user).search([("company_id", "=", self.company.id)])
        )


class TestWizard(InvoiceRunCase):
    def test_wizard_from_selected_rows_previews_then_generates(self):
        rows = self.row(self.project, self.order) | self.row(self.mobile, self.order_b)
        wizard = (
            self.env["postproduction.generate.wizard"]
            .with_context(active_model="postproduction.turnover", active_ids=rows.ids)
            .create({"invoice_date": date(2026, 2, 3)})
        )
        self.assertEqual(wizard.period, JAN)
        self.assertTrue(wizard.simulate)
        self.assertEqual(wizard.row_count, 2)
        wizard.action_apply()
        self.assertEqual((wizard.ready_count, wizard.skipped_count), (1, 1))
        action = wizard.action_start()
        run = self.env[RUN].browse(action["res_id"])
        self.assertEqual(run.simulated_count, 1)
        self.assertFalse(run.move_ids)
        wizard.simulate = False
        run = self.env[RUN].browse(wizard.action_start()["res_id"])
        self.assertEqual(run.move_ids.invoice_origin, self.order.name)

    def test_wizard_filters_by_customer(self):
        wizard = self.env["postproduction.generate.wizard"].create(
            {"period": JAN, "partner_ids": [Command.set(self.globex.ids)]}
        )
        wizard.action_apply()
        self.assertEqual(wizard.ready_count, 0)


class TestQueryBudget(PostproductionCase):
    """A run over a hundred lines costs a bounded number of queries per line, and links
    each timesheet to the invoice Odoo's own loop would link it to."""

    LINES = 100
    BUDGET_PER_LINE = 3
    #: a real run: Odoo's own invoice creation and ours; linking the timesheets one invoice
    #: line at a time, as Odoo's loop does, would cost two more
    REAL_BUDGET_PER_LINE = 15

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        projects = cls.env["project.project"].create(
            [
                {
                    "name": f"Budget {index}",
                    "partner_id": cls.acme.id,
                    "allow_timesheets": True,
                    "allow_billable": True,
                }
                for index in range(cls.LINES)
            ]
        )
        orders = cls.env["sale.order"].create(
            [{"partner_id": cls.acme.id, "project_id": project.id} for project in projects]
        )
        orders.action_confirm()
        cls.env["postproduction.delivery"].create(
            [
                {
                    "project_id": project.id,
                    "employee_id": (cls.alice if index % 2 else cls.bob).id,
                    "date_start": JAN,
                    "date_end": date(2026, 1, 31),
                    "daily_rate": 400.0 + index,
                    "sale_order_ids": [Command.set(order.ids)],
                }
                for index, (project, order) in enumerate(zip(projects, orders, strict=True))
            ]
        ).action_confirm()
        timesheets = cls.env["account.analytic.line"].create(
            [
                {
                    "name": "Work",
                    "project_id": project.id,
                    "employee_id": (cls.alice if index % 2 else cls.bob).id,
                    "date": date(2026, 1, 5 + index % 20),
                    "unit_amount": 8.0,
                }
                for index, project in enumerate(projects)
            ]
        )
        timesheets.action_validate()
        cls.orders = orders
        cls.projects = projects

    def _new_run(self, simulate, grouping="order"):
        return self.env[RUN].create(
            self.env[RUN]._prepare_run_values(
                JAN, None, simulate, [("order_id", "in", self.orders.ids)], grouping, None, "manual"
            )
        )

    def assert_linked_as_odoo_links(self, run):
        """Each timesheet of the scenario is linked to the invoice (or none) that Odoo's
        own loop, one search per invoice line, links it to."""
        timesheets = self.env["account.analytic.line"].search(
            [("project_id", "in", self.projects.ids)]
        )
        linked = {timesheet: timesheet.timesheet_invoice_id for timesheet in timesheets}
        self.assertTrue(any(linked.values()))
        timesheets.sudo().write({"timesheet_invoice_id": False})
        # without a run's plan in the context: Odoo's loop
        run.move_ids._link_timesheets_to_invoice(JAN, date(2026, 1, 31))
        self.assertEqual({t: t.timesheet_invoice_id for t in timesheets}, linked)
        return linked

    def _add_timesheets_not_to_link(self):
        """A draft January timesheet and a validated February one on the first orders."""
        draft = self.create_timesheet(
            date(2026, 1, 20), project=self.projects[0], employee=self.bob
        )
        february = self.create_timesheet(
            date(2026, 2, 2), project=self.projects[1], employee=self.alice
        )
        february.action_validate()
        return draft | february

    def test_real_run_links_each_timesheet_to_its_order_invoice(self):
        apart = self._add_timesheets_not_to_link()
        run = self._new_run(simulate=False)
        run._execute()
        held = self.orders[0]  # its draft timesheet holds it
        self.assertEqual(run.move_ids.invoice_line_ids.sale_line_ids.order_id, self.orders - held)
        linked = self.assert_linked_as_odoo_links(run)
        for timesheet, invoice in linked.items():
            if timesheet in apart or timesheet.so_line.order_id == held:
                self.assertFalse(invoice)
            else:
                self.assertEqual(invoice.invoice_line_ids.sale_line_ids, timesheet.so_line)

    def test_run_per_customer_links_every_order_timesheet_to_the_one_invoice(self):
        run = self._new_run(simulate=False, grouping="partner")
        run._execute()
        self.assertEqual(len(run.move_ids), 1)
        linked = self.assert_linked_as_odoo_links(run)
        self.assertEqual(len(linked), self.LINES)
        self.assertEqual(set(linked.values()), {run.move_ids})

    def test_timesheet_domain_of_another_shape_is_searched_per_line(self):
        """A module whose domain reaches beyond the line's order lines (here: the last
        order's timesheets too) gets Odoo's loop, line by line: the first invoice takes
        them."""
        self._add_timesheets_not_to_link()
        last_line = self.orders[-1].order_line
        AccountMoveLine = type(self.env["account.move.line"])
        original = AccountMoveLine._timesheet_domain_get_invoiced_lines

        def reaching_beyond(line, sale_lines):
            domain = original(line, sale_lines)
            return ["|", domain[0], ("so_line", "=", last_line.id), *domain[1:]]

        with patch.object(AccountMoveLine, "_timesheet_domain_get_invoiced_lines", reaching_beyond):
            run = self._new_run(simulate=False)
            run._execute()
            linked = self.assert_linked_as_odoo_links(run)
        first_invoice = run.move_ids.sorted("id")[0]
        self.assertNotIn(last_line, first_invoice.invoice_line_ids.sale_line_ids)
        last = self.env["account.analytic.line"].search([("so_line", "=", last_line.id)])
        self.assertEqual(len(last), 1)
        self.assertEqual(linked[last], first_invoice)

    def _queries_of_execute(self, run):
        """The queries ``run`` makes, its caches empty as in a new request."""
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        run._execute()
        return self.cr.sql_log_count - before

    def test_real_run_query_budget_per_line(self):
        run = self._new_run(simulate=False)
        queries = self._queries_of_execute(run)
        self.assertEqual(len(run.move_ids), self.LINES)
        self.assertLessEqual(queries, self.LINES * self.REAL_BUDGET_PER_LINE, f"{queries} queries")

    def test_test_mode_query_budget_per_line(self):
        run = self._new_run(simulate=True)
        queries = self._queries_of_execute(run)
        self.assertEqual(len(run.line_ids), self.LINES)
        self.assertEqual(set(run.line_ids.mapped("result")), {"simulated"})
        self.assertLessEqual(queries, self.LINES * self.BUDGET_PER_LINE, f"{queries} queries")
