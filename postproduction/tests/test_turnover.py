import io
from datetime import date

import openpyxl
from markupsafe import escape
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import format_date, mute_logger

from ..calc import diagnosis, periods, statuses, turnover_key
from ..report.postproduction_turnover import PostproductionTurnover
from ..report.postproduction_turnover_sql_store import DIRTY_TABLE, ROWS_FUNCTION
from .common import FEB, JAN, PostproductionCase, TurnoverCase

LIST_VIEW = "postproduction.postproduction_turnover_view_list"


def list_specification(env):
    """The ``web_search_read`` specification of the dashboard's list view."""
    model = env["postproduction.turnover"]
    view = model.get_views([(env.ref(LIST_VIEW).id, "list")])
    fields = view["views"]["list"]["arch"]
    spec = {}
    for name in view["models"]["postproduction.turnover"]["fields"]:
        if f'name="{name}"' not in fields:
            continue
        field = model._fields[name]
        if field.type in ("many2one", "many2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


class TestTurnoverRows(TurnoverCase):
    def test_website_row_values_every_column(self):
        row = self.row(self.project, self.order)
        self.assertEqual(row.period, JAN)
        self.assertEqual(row.partner_id, self.acme)
        self.assertEqual(row.project_type_id, self.project_type)
        self.assertEqual(row.company_id, self.company)
        self.assertEqual(row.currency_id, self.order.currency_id)
        self.assertEqual(row.mode, "monthly")
        self.assertAlmostEqual(row.days, 4.0)  # 20 h of Alice + 12 h of Bob, 8 h a day
        self.assertEqual(
            (
                row.timesheet_draft_count,
                row.timesheet_submitted_count,
                row.timesheet_validated_count,
                row.timesheet_refused_count,
            ),
            (0, 0, 4, 0),
        )
        # 2.5 days x 500 on the Days line + 12 h x 70 on the Hours line
        self.assertAlmostEqual(row.timesheet_turnover, 1250.0 + 840.0)
        self.assertAlmostEqual(row.expense_turnover, 120.0)
        self.assertAlmostEqual(row.purchase_turnover, 300.0)
        self.assertAlmostEqual(row.schedule_turnover, 0.0)
        self.assertAlmostEqual(row.production_turnover, 2510.0)
        self.assertAlmostEqual(row.invoiced_turnover, 0.0)
        self.assertAlmostEqual(row.delta, 2510.0)
        self.assertEqual(row.status, "to_invoice")
        self.assertFalse(row.note)
        self.assertEqual(row.delivery_ids, self.alice_website | self.bob_website)
        self.assertEqual(row.delivery_summary, "Alice, Bob")

    def test_production_equals_what_odoo_invoices(self):
        invoice = self.invoice_order(self.order)
        self.assertAlmostEqual(invoice.amount_untaxed, 2510.0)
        row = self.row(self.project, self.order)
        self.assertAlmostEqual(row.invoiced_turnover, 2510.0)
        self.assertAlmostEqual(row.delta, 0.0)
        self.assertEqual(row.status, "invoiced")

    def test_draft_invoice_counts_as_invoiced(self):
        invoice = self.invoice_order(self.order)
        self.assertEqual(invoice.state, "draft")
        self.assertAlmostEqual(self.row(self.project, self.order).invoiced_turnover, 2510.0)

    def test_cancelled_invoice_is_ignored(self):
        invoice = self.invoice_order(self.order)
        invoice.button_cancel()
        self.env.invalidate_all()
        row = self.row(self.project, self.order)
        self.assertAlmostEqual(row.invoiced_turnover, 0.0)
        self.assertEqual(row.status, "to_invoice")

    def test_credit_note_lowers_invoiced_turnover(self):
        invoice = self.invoice_order(self.order)
        invoice.invoice_date = date(2026, 1, 31)
        invoice.action_post()
        self._credit_note(
            self.alice_website.sale_line_id, quantity=1, price_unit=500.0
        ).action_post()
        self.env.invalidate_all()
        row = self.row(self.project, self.order)
        self.assertAlmostEqual(row.invoiced_turnover, 2010.0)
        self.assertAlmostEqual(row.delta, 500.0)
        self.assertEqual(row.status, "to_invoice")

    def _training_invoiced(self):
        """Training: Alice 8 h at 800 a day on SO_T, invoiced (800)."""
        training = self.env["project.project"].create(
            {
                "name": "Training",
                "partner_id": self.acme.id,
                "allow_timesheets": True,
                "allow_billable": True,
                "company_id": self.company.id,
            }
        )
        order_t = self.create_order(self.acme)
        delivery = self._deliver(training, self.alice, 800.0, order_t)
        self._timesheet(training, self.alice, date(2026, 1, 20))
        invoice = self.invoice_order(order_t)
        self.assertAlmostEqual(invoice.amount_untaxed, 800.0)
        return training, order_t, delivery.sale_line_id

    def _credit_note(self, order_line, **line_values):
        """A draft credit note of January, of one untaxed line of ``order_line``."""
        return self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.acme.id,
                "invoice_date": date(2026, 2, 5),
                "postproduction_period": JAN,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.day_product.id,
                            "tax_ids": [Command.clear()],
                            "sale_line_ids": [Command.set(order_line.ids)],
                            **line_values,
                        }
                    )
                ],
            }
        )

    def _credit_quarter_day(self, order_line, write_off, post=True):
        """A credit note of 2 h (a quarter of a day at 800: 200) of ``order_line``."""
        credit_note = self._credit_note(
            order_line, product_uom_id=self.uom_day.id, quantity=0.25, price_unit=800.0
        )
        if write_off:
            credit_note.invoice_line_ids.sudo().write({"postproduction_write_off": True})
        if post:
            credit_note.action_post()
        self.env.invalidate_all()
        return credit_note

    def test_written_off_credit_note_closes_the_delta(self):
        training, order_t, order_line = self._training_invoiced()
        self._credit_quarter_day(order_line, write_off=True)
        row = self.row(training, order_t)
        self.assertAlmostEqual(row.production_turnover, 800.0)
        self.assertAlmostEqual(row.invoiced_turnover, 600.0)  # net of the credit note
        self.assertAlmostEqual(row.written_off_turnover, 200.0)
        self.assertAlmostEqual(row.delta, 0.0)
        self.assertEqual(row.status, "invoiced")
        self.assertEqual(row.status, diagnosis.diagnose(row._get_diagnosis_facts()))
        self.assertEqual(row.invoice_line_count, 2)
        moves = self.env["account.move"].search(row.action_open_invoices()["domain"])
        self.assertEqual(moves.mapped("move_type"), ["out_invoice", "out_refund"])
        # written off in the Excel export too, with its total
        rows = self.env["postproduction.turnover"].search(
            [("period", "=", JAN), ("project_id", "in", (self.projects | training).ids)]
        )
        action = rows.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        sheet = openpyxl.load_workbook(io.BytesIO(attachment.raw), data_only=True)["January 2026"]
        headers = [cell.value for cell in sheet[1]]
        self.assertEqual(headers[headers.index("Invoiced") + 1], "Written off")
        written_off_col = headers.index("Written off") + 1
        project_col = headers.index("Project") + 1
        line = next(
            r for r in range(2, sheet.max_row) if sheet.cell(r, project_col).value == "Training"
        )
        self.assertAlmostEqual(sheet.cell(line, written_off_col).value, 200.0)
        self.assertAlmostEqual(sheet.cell(sheet.max_row, written_off_col).value, 200.0)
        self.assertAlmostEqual(sheet.cell(line, headers.index("Delta") + 1).value, 0.0)

    def test_credit_note_not_written_off_keeps_the_delta(self):
        training, order_t, order_line = self._training_invoiced()
        self._credit_quarter_day(order_line, write_off=False)
        row = self.row(training, order_t)
        self.assertAlmostEqual(row.invoiced_turnover, 600.0)
        self.assertAlmostEqual(row.written_off_turnover, 0.0)
        self.assertAlmostEqual(row.delta, 200.0)
        self.assertEqual(row.status, "to_invoice")

    def test_written_off_credit_note_counts_draft_not_cancelled(self):
        training, order_t, order_line = self._training_invoiced()
        draft = self._credit_quarter_day(order_line, write_off=True, post=False)
        row = self.row(training, order_t)
        self.assertAlmostEqual(row.written_off_turnover, 200.0)
        self.assertAlmostEqual(row.delta, 0.0)
        draft.button_cancel()
        self.env.invalidate_all()
        row = self.row(training, order_t)
        self.assertAlmostEqual(row.invoiced_turnover, 800.0)
        self.assertAlmostEqual(row.written_off_turnover, 0.0)
        self.assertAlmostEqual(row.delta, 0.0)
        self.assertEqual(row.status, "invoiced")

    def test_invoice_counts_in_its_invoice_month_without_billed_month(self):
        invoice = self.order._create_invoices()
        invoice.invoice_date = date(2026, 2, 3)
        self.env.invalidate_all()
        self.assertAlmostEqual(self.row(self.project, self.order).invoiced_turnover, 0.0)
        february = self.row(self.project, self.order, FEB)
        self.assertAlmostEqual(february.invoiced_turnover, 2510.0)
        self.assertEqual(february.status, "nothing_to_invoice")

    def test_timesheet_goes_to_the_order_of_the_delivery_covering_its_date(self):
        february = self.row(self.project, self.order_a2, FEB)
        self.assertAlmostEqual(february.days, 1.0)
        self.assertAlmostEqual(february.timesheet_turnover, 520.0)
        self.assertEqual(february.delivery_ids, self.alice_website_feb)

    def test_unvalidated_timesheets_are_counted_not_valued(self):
        row = self.row(self.mobile, self.order_b)
        self.assertAlmostEqual(row.days, 4.0)
        self.assertEqual(
            (
                row.timesheet_draft_count,
                row.timesheet_submitted_count,
                row.timesheet_validated_count,
                row.timesheet_refused_count,
            ),
            (1, 1, 1, 1),
        )
        self.assertAlmostEqual(row.timesheet_turnover, 600.0)
        self.assertEqual(row.pending_count, 3)
        self.assertEqual(row.status, "timesheets_pending")

    def test_without_the_setting_every_timesheet_is_valued(self):
        self.company.postproduction_validated_timesheets_only = False
        self.env.invalidate_all()
        row = self.row(self.mobile, self.order_b)
        self.assertAlmostEqual(row.timesheet_turnover, 2400.0)
        self.assertEqual(row.status, "to_invoice")

    def test_delivery_without_order_goes_to_the_row_without_order(self):
        row = self.row(self.support)
        self.assertFalse(row.order_id)
        self.assertFalse(row.mode)
        self.assertEqual(row.partner_id, self.acme)
        self.assertAlmostEqual(row.days, 1.0)
        self.assertAlmostEqual(row.timesheet_turnover, 450.0)  # the delivery's daily rate
        self.assertEqual(row.status, "no_order")
        self.assertEqual(row.currency_id, self.company.currency_id)

    def test_delivery_with_two_orders_goes_to_the_row_without_order(self):
        row = self.row(self.audit)
        self.assertAlmostEqual(row.timesheet_turnover, 550.0)
        self.assertEqual(row.status, "multiple_orders")
        self.assertFalse(
            self.env["postproduction.turnover"].search(
                [("project_id", "=", self.audit.id), ("order_id", "!=", False)]
            )
        )

    def test_partly_correlated_project_flags_all_its_rows(self):
        correlated = self.row(self.migration, self.order_e)
        self.assertAlmostEqual(correlated.timesheet_turnover, 500.0)
        self.assertEqual(correlated.status, "partial_correlation")
        self.assertTrue(correlated.partial_correlation)
        self.assertEqual(self.row(self.migration).status, "no_order")

    def test_correlating_the_last_delivery_clears_partial_correlation(self):
        bob = self.migration.postproduction_delivery_ids.filtered(
            lambda d: d.employee_id == self.bob
        )
        bob.sale_order_ids = self.order_e
        self.env.invalidate_all()
        rows = self.rows().filtered(lambda r: r.project_id == self.migration)
        self.assertEqual(rows.order_id, self.order_e)
        self.assertAlmostEqual(rows.timesheet_turnover, 800.0)
        self.assertEqual(rows.status, "to_invoice")

    def test_schedule_order_without_instalment_this_month(self):
        row = self.row(self.portal, self.order_f)
        self.assertEqual(row.mode, "schedule")
        self.assertAlmostEqual(row.days, 1.0)
        self.assertAlmostEqual(row.timesheet_turnover, 0.0)
        self.assertAlmostEqual(row.production_turnover, 0.0)
        self.assertEqual(row.status, "no_schedule")

    def test_schedule_order_produces_its_instalments(self):
        row = self.row(self.portal, self.order_f, FEB)
        self.assertAlmostEqual(row.schedule_turnover, 5000.0)
        self.assertAlmostEqual(row.production_turnover, 5000.0)
        self.assertEqual(row.schedule_count, 1)
        self.assertEqual(row.status, "to_invoice")

    def test_zero_rate_has_nothing_to_invoice(self):
        row = self.row(self.tools, self.order_g)
        self.assertAlmostEqual(row.days, 1.0)
        self.assertEqual(row.status, "nothing_to_invoice")

    def test_order_in_another_currency(self):
        row = self.row(self.export, self.order_x)
        self.assertEqual(row.currency_id, self.foreign)
        self.assertAlmostEqual(row.timesheet_turnover, 1000.0)
        invoice = self.invoice_order(self.order_x)
        self.assertEqual(invoice.currency_id, self.foreign)
        row = self.row(self.export, self.order_x)
        self.assertAlmostEqual(row.invoiced_turnover, 1000.0)
        self.assertEqual(row.status, "invoiced")

    def test_purchase_of_a_delivery_without_order_is_not_invoiceable(self):
        self._deliver(
            self.migration,
            None,
            0.0,
            kind="purchase",
            product_id=self.licence.id,
            employee_id=False,
        )
        self._post_vendor_bill(self.migration, self.licence, 1, 80.0, date(2026, 1, 20))
        self.env.invalidate_all()
        row = self.row(self.migration)
        self.assertAlmostEqual(row.purchase_turnover, 80.0)  # at cost: no order line
        self.assertEqual(row.no_order_count, 2)
        self.assertEqual(row.status, "no_order")

    def test_every_status_appears_and_sql_agrees_with_the_decision_table(self):
        self.invoice_order(self.order_x)
        # Two orders of Acme require the sign-off: Signed's statement is contested, Waiting's
        # not sent yet.
        for name in ("Signed", "Waiting"):
            project = self._new_project(name)
            order = self.create_order(self.acme, postproduction_signoff="required")
            self._deliver(project, self.alice, 500.0, order)
            self._timesheet(project, self.alice, date(2026, 1, 12))
            if name == "Signed":
                statement = self.env["postproduction.activity.statement"]._for_orders(order, JAN)
                statement._mark_sent()
                statement._contest("One day too many")
        self.env.invalidate_all()
        rows = self.rows(JAN, FEB)
        self.assertEqual(
            set(rows.mapped("status")),
            set(diagnosis.STATUSES),
        )
        for row in rows:
            self.assertEqual(
                row.status, diagnosis.diagnose(row._get_diagnosis_facts()), row.display_name
            )

    def test_rows_are_read_back_by_id(self):
        row = self.row(self.project, self.order)
        self.env.invalidate_all()
        again = self.env["postproduction.turnover"].browse(row.id)
        self.assertTrue(again.exists())
        self.assertEqual(again.project_id, self.project)
        self.assertAlmostEqual(again.production_turnover, 2510.0)

    def test_dashboard_rows_cannot_be_created_changed_or_deleted(self):
        row = self.row(self.project, self.order).with_user(self.user_manager)
        with self.assertRaises(UserError):
            row.write({"delta": 0})
        with self.assertRaises(AccessError):
            row.unlink()
        with self.assertRaises(AccessError):
            self.env["postproduction.turnover"].with_user(self.user_manager).create({"note": "x"})


class TestTurnoverNotes(TurnoverCase):
    def test_note_is_kept_per_row_and_survives_a_rebuild(self):
        row = self.row(self.project, self.order)
        row.note = "Invoice after the steering committee"
        self.row(self.support).note = "Waiting for the purchase order"
        self.env["postproduction.turnover"].init()
        self.env.invalidate_all()
        self.assertEqual(
            self.row(self.project, self.order).note, "Invoice after the steering committee"
        )
        self.assertEqual(self.row(self.support).note, "Waiting for the purchase order")
        self.assertFalse(self.row(self.mobile, self.order_b).note)
        notes = self.env["postproduction.turnover.note"].search([("period", "=", JAN)])
        self.assertEqual(len(notes), 2)

    def test_clearing_a_note_deletes_it(self):
        row = self.row(self.project, self.order)
        row.note = "To check"
        row.note = False
        self.assertFalse(
            self.env["postproduction.turnover.note"].search([("project_id", "=", self.project.id)])
        )

    def test_one_note_per_row_in_the_database(self):
        values = {"project_id": self.support.id, "period": JAN, "company_id": self.company.id}
        self.env["postproduction.turnover.note"].create(values)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["postproduction.turnover.note"].create(values)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["postproduction.turnover.note"].create({**values, "period": date(2026, 1, 15)})

    def test_user_writes_a_note(self):
        row = self.row(self.project, self.order).with_user(self.user_pp)
        row.note = "Ask for a new order"
        self.assertEqual(self.row(self.project, self.order).note, "Ask for a new order")


class TestTurnoverExport(TurnoverCase):
    def test_excel_export_has_a_sheet_per_month_and_totals(self):
        rows = self.rows(JAN, FEB).with_user(self.user_pp)
        action = rows.action_export_xlsx()
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        attachment = self.env["ir.attachment"].with_user(self.user_pp).browse(attachment_id)
        self.assertEqual(attachment.name, "postproduction-2026-02.xlsx")
        workbook = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        self.assertEqual(workbook.sheetnames, ["February 2026", "January 2026"])
        sheet = workbook["January 2026"]
        headers = [cell.value for cell in sheet[1]]
        self.assertEqual(headers[:4], ["Customer", "Project", "Project type", "Order"])
        self.assertEqual(sheet.freeze_panes, "A2")
        january = rows.filtered(lambda r: r.period == JAN)
        self.assertEqual(sheet.max_row, len(january) + 2)
        production_col = headers.index("Production") + 1
        total = sheet.cell(row=sheet.max_row, column=production_col)
        self.assertEqual(sheet.cell(row=sheet.max_row, column=1).value, "Total")
        self.assertTrue(str(total.value).startswith("=SUM("))
        values = openpyxl.load_workbook(io.BytesIO(attachment.raw), data_only=True)["January 2026"]
        self.assertAlmostEqual(
            values.cell(row=sheet.max_row, column=production_col).value,
            sum(january.mapped("production_turnover")),
        )
        delta_col = headers.index("Delta") + 1
        project_col = headers.index("Project") + 1
        website = next(
            r for r in range(2, sheet.max_row) if sheet.cell(r, project_col).value == "Website"
        )
        self.assertAlmostEqual(sheet.cell(website, delta_col).value, 2510.0)
        self.assertEqual(sheet.cell(website, delta_col).font.color.rgb, "FFC00000")
        self.assertEqual(sheet.cell(website, production_col).number_format, "#,##0.00;-#,##0.00")

    def test_excel_sheets_name_the_month_in_the_user_s_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        rows = self.rows(JAN).with_context(lang="fr_FR")
        attachment = self.env["ir.attachment"].browse(
            int(rows.action_export_xlsx()["url"].split("/")[3].split("?")[0])
        )
        workbook = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        self.assertEqual(workbook.sheetnames, ["janvier 2026"])

    def test_export_without_selection_follows_the_filter(self):
        domain = [("period", "=", JAN), ("project_id", "=", self.support.id)]
        action = (
            self.env["postproduction.turnover"]
            .with_context(active_domain=domain)
            .action_export_xlsx()
        )
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        sheet = openpyxl.load_workbook(io.BytesIO(attachment.raw))["January 2026"]
        self.assertEqual(sheet.max_row, 3)  # header, Support, totals
        self.assertEqual(attachment.name, "postproduction-2026-01.xlsx")

    def test_export_of_nothing_explains_what_to_do(self):
        with self.assertRaises(UserError):
            self.env["postproduction.turnover"].with_context(
                active_domain=[("id", "=", 0)]
            ).action_export_xlsx()


class TestTurnoverButtons(TurnoverCase):
    def test_timesheets_button_opens_the_rows_timesheets(self):
        action = self.row(self.mobile, self.order_b).action_open_timesheets()
        timesheets = self.env["account.analytic.line"].search(action["domain"])
        self.assertEqual(len(timesheets), 4)
        self.assertEqual(timesheets.project_id, self.mobile)

    def test_invoices_button_opens_the_rows_invoices(self):
        invoice = self.invoice_order(self.order)
        action = self.row(self.project, self.order).action_open_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), invoice)

    def test_detail_shows_the_rows_deliveries_counts_and_invoices(self):
        invoice = self.invoice_order(self.order)
        row = self.row(self.project, self.order)
        action = row.action_open_detail()
        self.assertEqual((action["res_model"], action["res_id"]), (row._name, row.id))
        self.assertEqual(action["target"], "new")
        self.assertIn(format_date(self.env, row.period, date_format="MMMM y"), action["name"])
        detail = Form(row, view=action["views"][0][0])
        self.assertEqual(detail.invoice_ids[:], invoice)
        self.assertEqual(detail.delivery_ids[:], self.alice_website | self.bob_website)
        self.assertEqual(detail.timesheet_validated_count, row.timesheet_validated_count)
        self.assertEqual(detail.delta, 0)
        self.assertFalse(self.row(self.support).invoice_ids)

    def test_project_order_and_deliveries_buttons(self):
        row = self.row(self.project, self.order)
        self.assertEqual(row.action_open_project()["res_id"], self.project.id)
        self.assertEqual(row.action_open_order()["res_id"], self.order.id)
        deliveries = self.env["postproduction.delivery"].search(
            row.action_open_deliveries()["domain"]
        )
        self.assertEqual(deliveries, self.alice_website | self.bob_website)
        with self.assertRaises(UserError):
            self.row(self.support).action_open_order()

    def test_legend_lists_every_status_with_its_fix(self):
        legend = self.env["postproduction.turnover.legend"].create({})
        explanations = self.env["postproduction.turnover"]._get_status_explanations()
        self.assertEqual(set(explanations), set(diagnosis.STATUSES))
        for explanation in explanations.values():
            self.assertIn(escape(explanation), legend.legend)
        self.assertIn("Timesheets to validate", legend.legend)

    def test_rows_show_their_status_icon_and_colour_from_the_status_table(self):
        rows = self.rows()
        self.assertGreater(len(set(rows.mapped("status"))), 1)
        for row in rows:
            status = statuses.STATUS[row.status]
            self.assertEqual(
                (row.status_icon, row.status_decoration), (status.icon, status.decoration)
            )
        explanations = self.env["postproduction.turnover"].with_context(lang="fr_FR")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertIn("Rien à faire", explanations._get_status_explanations()["invoiced"])


class TestTurnoverAccess(TurnoverCase):
    def test_postproduction_user_reads_the_dashboard(self):
        rows = (
            self.env["postproduction.turnover"]
            .with_user(self.user_pp)
            .search([("period", "=", JAN), ("project_id", "in", self.projects.ids)])
        )
        self.assertEqual(len(rows), len(self.rows()))
        rows.read(["production_turnover", "status", "note"])

    def test_plain_employee_cannot_read_the_dashboard(self):
        with self.assertRaises(AccessError):
            self.env["postproduction.turnover"].with_user(self.user_employee).search([])
        with self.assertRaises(AccessError):
            self.row(self.project, self.order).with_user(self.user_employee).read(["delta"])

    def test_user_opens_the_detail_without_the_managers_generate(self):
        invoice = self.invoice_order(self.order)
        row = self.row(self.project, self.order).with_user(self.user_pp)
        action = row.action_open_detail()
        detail = Form(row, view=action["views"][0][0])
        self.assertEqual(detail.invoice_ids[:], invoice)
        arch = row.get_views([(action["views"][0][0], "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_postproduction_generate_wizard", arch)
        self.assertNotIn('string="Generate"', arch)
        self.assertIn("action_open_invoices", arch)

    def test_another_companys_row_cannot_be_read_by_its_id(self):
        _other, user = self.create_other_company_user(
            "pp_other_by_id", "postproduction.group_postproduction_user"
        )
        row = self.row(self.project, self.order)
        self.assertLess(row.id, 2**31)
        with self.assertRaises(AccessError):
            row.with_user(user).read(["delta"])
        with self.assertRaises(AccessError):
            row.with_user(user).action_open_detail()

    def test_user_of_another_company_sees_none_of_the_rows(self):
        _other, user = self.create_other_company_user(
            "pp_other", "postproduction.group_postproduction_user"
        )
        dashboard = self.env["postproduction.turnover"].with_user(user)
        self.assertFalse(dashboard.search([("project_id", "in", self.projects.ids)]))
        self.row(self.project, self.order).note = "Internal"
        self.assertFalse(self.env["postproduction.turnover.note"].with_user(user).search([]))


class TestSharedProject(PostproductionCase):
    """A project without company, worked on by two companies: each sees its own hours."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other, cls.other_user = cls.create_other_company_user(
            "pp_shared_other", "postproduction.group_postproduction_user"
        )
        cls.carol = cls.env["hr.employee"].create({"name": "Carol", "company_id": cls.other.id})
        cls.shared = cls.env["project.project"].create(
            {
                "name": "Shared platform",
                "partner_id": cls.acme.id,
                "allow_timesheets": True,
                "allow_billable": True,
                "company_id": False,
            }
        )
        cls.create_delivery(project_id=cls.shared.id, rate=300.0)
        cls.env["postproduction.delivery"].with_company(cls.other).create(
            {
                "project_id": cls.shared.id,
                "employee_id": cls.carol.id,
                "company_id": cls.other.id,
                "date_start": JAN,
                "date_end": date(2026, 12, 31),
                "daily_rate": 900.0,
            }
        ).action_confirm()
        cls.create_timesheet(date(2026, 1, 5), employee=cls.alice, project=cls.shared)
        cls.create_timesheet(date(2026, 1, 6), hours=4.0, employee=cls.alice, project=cls.shared)
        cls.env["account.analytic.line"].with_company(cls.other).create(
            {
                "name": "Other work",
                "project_id": cls.shared.id,
                "employee_id": cls.carol.id,
                "date": date(2026, 1, 5),
                "unit_amount": 16.0,
            }
        )

    def rows_seen_by(self, user):
        dashboard = self.env["postproduction.turnover"].with_user(user)
        return dashboard.search([("project_id", "=", self.shared.id), ("period", "=", JAN)])

    def test_each_company_sees_only_its_own_hours(self):
        mine = self.rows_seen_by(self.user_pp)
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine.company_id, self.company)
        self.assertAlmostEqual(mine.days, 1.5)
        self.assertEqual(mine.timesheet_draft_count, 2)
        self.assertEqual(mine.delivery_summary, "Alice")
        theirs = self.rows_seen_by(self.other_user)
        self.assertEqual(len(theirs), 1)
        self.assertEqual(theirs.company_id, self.other)
        self.assertAlmostEqual(theirs.days, 2.0)
        self.assertEqual(theirs.delivery_summary, "Carol")
        self.assertNotEqual(mine.id, theirs.id)

    def test_totals_and_row_buttons_stay_within_the_company(self):
        totals = (
            self.env["postproduction.turnover"]
            .with_user(self.other_user)
            ._read_group([("project_id", "=", self.shared.id)], [], ["days:sum"])
        )
        self.assertAlmostEqual(totals[0][0], 2.0)
        theirs = self.rows_seen_by(self.other_user)
        timesheets = self.env["account.analytic.line"].browse(
            theirs.action_open_timesheets()["domain"][0][2]
        )
        self.assertEqual(timesheets.employee_id, self.carol)
        self.assertEqual(theirs.delivery_ids.employee_id, self.carol)

    def test_a_note_belongs_to_one_company_s_row(self):
        self.rows_seen_by(self.user_pp).note = "Ours"
        self.rows_seen_by(self.other_user).sudo().note = "Theirs"
        self.env.invalidate_all()
        self.assertEqual(self.rows_seen_by(self.user_pp).note, "Ours")
        self.assertEqual(self.rows_seen_by(self.other_user).note, "Theirs")

    def test_a_row_is_read_back_by_its_id(self):
        theirs = self.rows_seen_by(self.other_user)
        again = self.env["postproduction.turnover"].with_user(self.other_user).browse(theirs.id)
        self.assertAlmostEqual(again.days, 2.0)


@tagged("post_install", "-at_install")
class TestTurnoverDemo(PostproductionCase):
    def test_demo_last_month_shows_each_kind_of_row(self):
        if not self.env.ref("postproduction.project_erp", raise_if_not_found=False):
            self.skipTest("demo data not installed")
        today = fields.Date.context_today(self.env.user)
        last_month = periods.add_months(periods.month_start(today), -1)
        rows = self.env["postproduction.turnover"].search([("period", "=", last_month)])
        statuses = set(rows.mapped("status"))
        self.assertLessEqual({"to_invoice", "no_order", "timesheets_pending"}, statuses)
        self.assertTrue(rows.filtered(lambda r: r.mode == "schedule"))

    def test_demo_last_month_has_a_monthly_and_a_schedule_row_to_invoice(self):
        if not self.env.ref("postproduction.project_mobile", raise_if_not_found=False):
            self.skipTest("demo data not installed")
        today = fields.Date.context_today(self.env.user)
        last_month = periods.add_months(periods.month_start(today), -1)
        demo_projects = self.env["project.project"].search(
            [("partner_id.name", "in", ["Nordwind Logistics", "Helios Energy", "Maison Lumière"])]
        )
        ready = self.env["postproduction.turnover"].search(
            [
                ("period", "=", last_month),
                ("project_id", "in", demo_projects.ids),
                ("status", "=", "to_invoice"),
            ]
        )
        self.assertEqual(set(ready.mapped("mode")), {"monthly", "schedule"})
        self.assertIn(self.env.ref("postproduction.order_mobile"), ready.order_id)


class TestTurnoverTimesheetSums(TurnoverCase):
    """The timesheet sums the dashboard reads stay those of the timesheet lines."""

    _KEY = """date_trunc('month', date::timestamp)::date, project_id,
              COALESCE(employee_id, 0), COALESCE(so_line, 0), COALESCE(product_uom_id, 0),
              approval_state, company_id"""

    def sums(self):
        """{group key: (hours, lines)} of the table, and of the lines summed again."""
        self.env.flush_all()
        self.cr.execute(
            """SELECT period, project_id, employee_id, so_line, product_uom_id, approval_state,
                      company_id, hours, line_count, date_first, date_last
                 FROM postproduction_timesheet_month"""
        )
        kept = {row[:7]: row[7:] for row in self.cr.fetchall()}
        self.cr.execute(
            f"""SELECT {self._KEY}, SUM(COALESCE(unit_amount, 0)::numeric), COUNT(*),
                       MIN(date), MAX(date)
                  FROM account_analytic_line WHERE project_id IS NOT NULL
                 GROUP BY {self._KEY}"""
        )
        lines = {row[:7]: row[7:] for row in self.cr.fetchall()}
        return kept, lines

    def assertSumsExact(self):
        kept, lines = self.sums()
        self.assertEqual(
            {key: value[:2] for key, value in kept.items()},
            {key: value[:2] for key, value in lines.items()},
        )
        # the dates of a group may only be wider than its lines' (never narrower)
        for key, (_hours, _count, first, last) in lines.items():
            self.assertLessEqual(kept[key][2], first)
            self.assertGreaterEqual(kept[key][3], last)

    def test_sums_follow_timesheets_created_changed_and_deleted(self):
        self.assertSumsExact()
        new = self.env["account.analytic.line"].create(
            [
                {
                    "name": "Work",
                    "project_id": self.mobile.id,
                    "employee_id": self.alice.id,
                    "date": date(2026, 1, day),
                    "unit_amount": 2.5,
                }
                for day in (19, 20, 21)
            ]
        )
        self.assertSumsExact()
        new[0].unit_amount = 7.25
        new[1].date = date(2026, 2, 3)  # to another month
        new[2].project_id = self.tools
        self.assertSumsExact()
        new[0].action_submit()
        new[0].action_validate()
        new[2].employee_id = self.bob
        self.assertSumsExact()
        new[1:].unlink()
        self.assertSumsExact()
        new[0].action_reset_to_draft()
        new[0].unlink()
        self.assertSumsExact()

    def test_a_group_whose_last_line_goes_is_deleted(self):
        timesheet = self._timesheet(
            self.support, self.alice, date(2026, 3, 2), hours=3.0, state="draft"
        )
        key = (date(2026, 3, 1), self.support.id, self.alice.id)
        kept, _lines = self.sums()
        self.assertIn(key, {group[:3] for group in kept})
        timesheet.unlink()
        kept, _lines = self.sums()
        self.assertNotIn(key, {group[:3] for group in kept})
        self.assertSumsExact()

    def test_a_line_inserted_without_approval_is_a_draft(self):
        # as Odoo's own modules insert timesheets when they are upgraded before ours loads
        self.env.flush_all()
        self.cr.execute(
            """INSERT INTO account_analytic_line
                      (name, date, amount, unit_amount, account_id, project_id, employee_id,
                       company_id)
               SELECT 'No approval', date '2026-01-27', 0, 3, account_id, id, %s, company_id
                 FROM project_project WHERE id = %s
            RETURNING approval_state""",
            (self.bob.id, self.support.id),
        )
        self.assertEqual(self.cr.fetchone()[0], "draft")
        self.assertSumsExact()

    def test_sums_follow_writes_in_sql(self):
        self.env.flush_all()
        self.cr.execute(
            """INSERT INTO account_analytic_line
                      (name, date, amount, unit_amount, account_id, project_id, employee_id,
                       company_id, approval_state)
               SELECT 'SQL', date '2026-01-26', 0, 6, account_id, id, %s, company_id, 'draft'
                 FROM project_project WHERE id IN %s""",
            (self.bob.id, tuple(self.projects.ids)),
        )
        self.assertSumsExact()
        self.cr.execute(
            "UPDATE account_analytic_line SET unit_amount = unit_amount * 2, "
            "date = date + 10 WHERE name = 'SQL'"
        )
        self.assertSumsExact()
        self.cr.execute("UPDATE account_analytic_line SET name = 'Same sums' WHERE name = 'SQL'")
        self.assertSumsExact()
        self.cr.execute("DELETE FROM account_analytic_line WHERE name = 'Same sums'")
        self.assertSumsExact()

    def sums_count(self):
        self.cr.execute("SELECT COUNT(*) FROM postproduction_timesheet_month")
        return self.cr.fetchone()[0]

    def test_an_upgrade_keeps_the_sums_when_their_definition_is_unchanged(self):
        self.env.flush_all()
        groups = self.sums_count()
        self.cr.execute(
            "DELETE FROM postproduction_timesheet_month WHERE project_id = %s", [self.mobile.id]
        )
        self.env["postproduction.turnover"].init()
        self.assertLess(self.sums_count(), groups)  # not summed again
        # the sums were cut behind the triggers' back: the kept rows no longer match them
        self.env["postproduction.turnover"]._mark_everything()

    def test_sums_are_rebuilt_when_their_definition_changed(self):
        self.cr.execute("DELETE FROM postproduction_timesheet_month")
        self.cr.execute("COMMENT ON TABLE postproduction_timesheet_month IS 'an older version'")
        self.env["postproduction.turnover"].init()
        self.assertSumsExact()
        self.cr.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'account_analytic_line'::regclass "
            "AND tgname LIKE 'postproduction_timesheet_month%%' ORDER BY tgname"
        )
        self.assertEqual(
            [name for (name,) in self.cr.fetchall()],
            [
                "postproduction_timesheet_month_delete",
                "postproduction_timesheet_month_insert",
                "postproduction_timesheet_month_truncate",
                "postproduction_timesheet_month_update",
            ],
        )

    def test_uninstallation_removes_the_sums_and_their_triggers(self):
        self.env["postproduction.turnover"]._drop_timesheet_month()
        self.cr.execute(
            "SELECT to_regclass('postproduction_timesheet_month'), "
            "to_regclass('postproduction_turnover_stored'), "
            "to_regclass('postproduction_turnover_dirty'), "
            "to_regprocedure('postproduction_turnover_rows(date, date)'), "
            "(SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'postproduction%%'), "
            "(SELECT COUNT(*) FROM pg_proc WHERE proname LIKE 'postproduction%%')"
        )
        self.assertEqual(self.cr.fetchone(), (None, None, None, None, 0, 0))
        self._timesheet(self.support, self.bob, date(2026, 1, 27))  # no trigger left
        self.env.flush_all()
        self.env["postproduction.turnover"].init()
        self.assertSumsExact()

    def test_pending_changes_reach_the_dashboard(self):
        draft = self.mobile.timesheet_ids.filtered(lambda t: t.approval_state == "draft")
        draft.unit_amount = 16.0  # not written to the database yet
        self.assertAlmostEqual(self.row(self.mobile, self.order_b).days, 5.0)


class TestTurnoverDeliveryBoundaries(TurnoverCase):
    """A delivery starting or ending inside a month splits the month's timesheets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boundary = cls._new_project("Boundary")
        cls.order_p = cls.create_order(cls.acme)
        cls.order_q = cls.create_order(cls.acme)
        cls.first = cls._deliver(cls.boundary, cls.bob, 400.0, cls.order_p, end=date(2026, 1, 15))
        cls.second = cls.create_delivery(
            employee=cls.bob,
            start=date(2026, 1, 16),
            end=date(2026, 12, 31),
            rate=600.0,
            orders=cls.order_q,
            project_id=cls.boundary.id,
        )
        cls._timesheet(cls.boundary, cls.bob, date(2026, 1, 12))
        cls._timesheet(cls.boundary, cls.bob, date(2026, 1, 20))

    def share_one_group(self):
        """Put Bob's two timesheets in one group (no order line: same sums) and check that
        a delivery boundary cuts it, so that its lines are read one by one."""
        self.env.flush_all()
        self.cr.execute(
            "UPDATE account_analytic_line SET so_line = NULL WHERE project_id = %s",
            (self.boundary.id,),
        )
        self.env.invalidate_all()
        self.cr.execute(
            "SELECT date_first, date_last FROM postproduction_timesheet_month "
            "WHERE project_id = %s",
            (self.boundary.id,),
        )
        self.assertEqual(self.cr.fetchall(), [(date(2026, 1, 12), date(2026, 1, 20))])

    def turnover(self):
        """{order: timesheet turnover} of the Boundary project in January."""
        self.share_one_group()
        rows = self.env["postproduction.turnover"].search(
            [("period", "=", JAN), ("project_id", "=", self.boundary.id)]
        )
        return {row.order_id: row.timesheet_turnover for row in rows}

    def test_each_timesheet_goes_to_the_delivery_covering_its_date(self):
        self.assertEqual(self.turnover(), {self.order_p: 400.0, self.order_q: 600.0})
        row = self.row(self.boundary, self.order_p, JAN)
        self.assertEqual(row.delivery_summary, "Bob")
        self.assertEqual(row.timesheet_validated_count, 1)
        self.assertAlmostEqual(row.days, 1.0)

    def test_moving_the_boundary_moves_the_timesheets(self):
        self.second.date_start = date(2026, 1, 26)
        self.first.date_end = date(2026, 1, 25)
        self.assertEqual(self.turnover(), {self.order_p: 800.0})
        self.first.date_end = date(2026, 1, 11)
        self.second.date_start = date(2026, 1, 12)
        self.assertEqual(self.turnover(), {self.order_q: 1200.0})

    def test_a_timesheet_outside_every_delivery_has_no_order(self):
        self.first.date_end = date(2026, 1, 10)
        self.share_one_group()
        row = self.row(self.boundary)
        self.assertEqual(row.status, "no_order")
        self.assertEqual(row.no_order_count, 1)
        self.assertEqual(self.turnover()[self.order_q], 600.0)


def orm_web_search_read(turnover, *args, **kwargs):
    """The ORM's own ``web_search_read``, past the dashboard's one-query reading."""
    return super(PostproductionTurnover, turnover).web_search_read(*args, **kwargs)


class TestTurnoverListReading(TurnoverCase):
    """The list reads its rows in one query, with the values the ORM would return."""

    def test_list_values_are_those_of_the_orm(self):
        self.row(self.project, self.order).note = "Checked"
        self.invoice_order(self.order_x)
        turnover = self.env["postproduction.turnover"].with_user(self.user_pp)
        spec = list_specification(turnover.env)
        spec["currency_id"] = {"fields": {}}
        spec["company_id"] = {}
        domain = [("period", "in", [JAN, FEB]), ("project_id", "in", self.projects.ids)]
        for kwargs in ({}, {"limit": 3}, {"offset": 2, "limit": 4, "order": "delta desc, id"}):
            self.env.invalidate_all()
            expected = orm_web_search_read(turnover, domain, spec, **kwargs)
            self.env.invalidate_all()
            self.assertEqual(turnover.web_search_read(domain, spec, **kwargs), expected)
        self.assertTrue(expected["records"])

    def test_the_months_searched_are_read_through_the_function_with_the_same_rows(self):
        self.invoice_order(self.order_x)  # marks the keys of the invoice's lines
        turnover = self.env["postproduction.turnover"].with_user(self.user_pp)
        projects = ("project_id", "in", self.projects.ids)
        one_month = [("period", "=", JAN), projects]
        # the same rows, through the model's view (every month): no bound on the month
        unbounded = [("period", "!=", date(1990, 1, 1)), ("period", "<", FEB), projects]
        self.assertIn(
            f'"{ROWS_FUNCTION}"(%s::date, %s::date, %s::integer[])',
            turnover._search(one_month).select().code,
        )
        self.assertEqual(turnover._search(one_month).select().params[:2], ["2026-01-01"] * 2)
        self.assertEqual(turnover._search(unbounded).select().params[:2], [None, "2026-02-01"])
        self.assertNotIn(ROWS_FUNCTION, turnover._search([projects]).select().code)
        spec = list_specification(turnover.env)
        fields_ = [name for name, field in turnover._fields.items() if field.store]
        for marked in (True, False):
            self.env.invalidate_all()
            unmarked = turnover.search_read([projects], fields_, order="id")
            expected = [row for row in unmarked if row["period"] == JAN]
            self.assertEqual(len(expected), len(self.projects) + 1)  # two rows on Migration
            self.env.invalidate_all()
            self.assertEqual(turnover.search_read(one_month, fields_, order="id"), expected)
            self.assertEqual(turnover.search_read(unbounded, fields_, order="id"), expected)
            self.assertEqual(
                turnover.web_search_read(one_month, spec, order="id")["records"],
                [
                    row
                    for row in turnover.web_search_read([projects], spec, order="id")["records"]
                    if row["id"] in {row["id"] for row in expected}
                ],
            )
            # restricted to orders, as a run reads its batch: their rows, computed or kept
            orders = (self.order_x | self.order_b | self.order_e).ids
            by_orders = [("period", "=", JAN), ("order_id", "in", orders)]
            self.assertEqual(turnover._search(by_orders).select().params[2], sorted(orders))
            self.assertEqual(
                turnover.search_read(by_orders, fields_, order="id"),
                [row for row in expected if row["order_id"] and row["order_id"][0] in orders],
            )
            self.cr.execute(f"SELECT COUNT(*) FROM {DIRTY_TABLE}")
            self.assertEqual(bool(self.cr.fetchone()[0]), marked)
            self.env["postproduction.turnover"]._fold_marks()

    def test_the_list_applies_the_record_rules(self):
        _other, user = self.create_other_company_user(
            "pp_other_list", "postproduction.group_postproduction_user"
        )
        turnover = self.env["postproduction.turnover"].with_user(user)
        result = turnover.web_search_read([("period", "=", JAN)], list_specification(self.env))
        self.assertEqual(result, {"length": 0, "records": []})


class TestTurnoverQueries(PostproductionCase):
    """The list view reads a fixed number of queries whatever its number of rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.projects = cls.env["project.project"]
        values = []
        for index in range(10):
            project = cls.env["project.project"].create(
                {
                    "name": f"Project {index}",
                    "partner_id": cls.acme.id,
                    "allow_timesheets": True,
                    "company_id": cls.company.id,
                }
            )
            cls.projects |= project
            order = cls.create_order(cls.acme)
            employee = cls.alice if index % 2 else cls.bob
            cls.create_delivery(
                employee=employee, rate=400.0 + index, orders=order, project_id=project.id
            )
            values += [
                {
                    "name": "Work",
                    "project_id": project.id,
                    "employee_id": employee.id,
                    "date": date(2026, month, 10),
                    "unit_amount": 8.0,
                }
                for month in range(1, 11)
            ]
        cls.env["account.analytic.line"].create(values)

    def _read_list(self, months):
        domain = [
            ("period", "in", months),
            ("project_id", "in", self.projects.ids),
        ]
        return self.env["postproduction.turnover"].web_search_read(
            domain, list_specification(self.env)
        )

    def _count_queries(self, months):
        self._read_list(months)  # warm the registry's caches
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        result = self._read_list(months)
        return self.cr.sql_log_count - before, result["length"]

    def test_query_count_does_not_depend_on_the_row_count(self):
        few, few_rows = self._count_queries([JAN])
        many, many_rows = self._count_queries([date(2026, month, 1) for month in range(1, 11)])
        self.assertEqual((few_rows, many_rows), (10, 100))
        self.assertEqual(few, many)
        self.assertLessEqual(many, 20)


class TestRowIds(PostproductionCase):
    """The ids given to the rows: small, stable, and given once under concurrency."""

    def test_two_transactions_giving_an_id_to_the_same_row_agree(self):
        from psycopg2.errors import SerializationFailure  # noqa: PLC0415

        key = turnover_key.row_id(date(2119, 12, 1), 1, 1)  # no activity has this month
        with self.registry.cursor() as first, self.registry.cursor() as second:
            try:
                dashboard = self.env["postproduction.turnover"]
                second.execute("SELECT 1")  # its snapshot is taken before the first commits
                given = dashboard.with_env(dashboard.env(cr=first))._give_ids([key])[key]
                first.commit()
                with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                    dashboard.with_env(dashboard.env(cr=second))._give_ids([key])
                second.rollback()  # Odoo tries the request again
                again = dashboard.with_env(dashboard.env(cr=second))._give_ids([key])[key]
                self.assertEqual(again, given)
                self.assertLessEqual(given, turnover_key.MAX_ROW_ID)
            finally:
                first.rollback()
                first.execute("DELETE FROM postproduction_turnover_row WHERE period = '2119-12-01'")
                first.commit()

    def test_a_row_keeps_its_id_from_one_read_to_the_next(self):
        project = self.env["project.project"].create(
            {
                "name": "Ids",
                "partner_id": self.acme.id,
                "allow_billable": True,
                "company_id": self.company.id,
            }
        )
        self.env["account.analytic.line"].create(
            {
                "name": "Work",
                "project_id": project.id,
                "employee_id": self.alice.id,
                "date": date(2026, 4, 8),
                "unit_amount": 8,
            }
        )
        domain = [("period", "=", date(2026, 4, 1)), ("project_id", "=", project.id)]
        dashboard = self.env["postproduction.turnover"]
        row = dashboard.search(domain)
        self.assertEqual(len(row), 1)
        self.assertFalse(turnover_key.is_packed(row.id))
        self.env.invalidate_all()
        self.assertEqual(dashboard.search(domain), row)
        self.assertEqual(dashboard.search_read(domain, ["days"]), [{"id": row.id, "days": 1.0}])
        self.assertEqual(dashboard.browse(row.id).exists(), row)
        self.assertEqual(
            dashboard._row_keys(row.ids)[row.id], (date(2026, 4, 1), project.id, None, None)
        )
