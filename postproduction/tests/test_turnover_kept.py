"""The dashboard's kept rows: every write marks the rows it changes, whoever makes it.

Each test starts with the rows kept (``KeptRowsCase``); each step writes in plain SQL,
as a script, an import or another module would, then checks that the rows read (kept,
or computed for the keys marked) equal the view's, and folds the marks before the next
step, so that a step is never covered by the marks of another.
"""

from datetime import date

from odoo.tests import tagged

from ..report.postproduction_turnover_sql_store import DIRTY_TABLE, STORED_TABLE
from .common import FEB, JAN, TurnoverCase


@tagged("post_install", "-at_install")
class TestKeptRows(TurnoverCase):
    def assertRowsRight(self, statement, *params):
        """Run ``statement``, then check the rows read, then fold and check those kept."""
        turnover = self.env["postproduction.turnover"]
        turnover._fold_marks()
        self.cr.execute(statement, params)
        self.assertEqual(self._rows_differing("postproduction_turnover"), [], statement)
        turnover._fold_marks()
        self.assertEqual(self._rows_differing(STORED_TABLE), [], statement)

    def marks(self):
        self.cr.execute(f"SELECT project_id, period FROM {DIRTY_TABLE} ORDER BY 1, 2")
        return self.cr.fetchall()

    def test_the_check_fails_on_a_write_that_marks_nothing(self):
        """The comparison can fail: a write with the triggers off leaves a kept row old."""
        self.env.flush_all()
        self.cr.execute("SET LOCAL session_replication_role = replica")
        self.cr.execute(
            "UPDATE sale_order_line SET price_unit = price_unit + 1 WHERE order_id = %s",
            [self.order_b.id],
        )
        self.cr.execute("SET LOCAL session_replication_role = origin")
        self.assertEqual(self.marks(), [])
        differing = self._rows_differing("postproduction_turnover")
        self.assertEqual({(side, project) for side, _id, _p, project in differing},
                         {("read", self.mobile.id), ("view", self.mobile.id)})  # fmt: skip
        self.env["postproduction.turnover"]._mark_everything()

    def test_a_timesheet_marks_its_project_and_month_only(self):
        turnover = self.env["postproduction.turnover"]
        turnover._fold_marks()
        self._timesheet(self.mobile, self.alice, date(2026, 1, 20))
        self.env.flush_all()
        self.assertEqual(set(self.marks()), {(self.mobile.id, JAN)})

    def test_timesheet_writes(self):
        self.env.flush_all()
        line = self.mobile.timesheet_ids.filtered(lambda t: t.approval_state == "draft")
        self.assertRowsRight(
            "UPDATE account_analytic_line SET unit_amount = 6 WHERE id = %s", line.id
        )
        self.assertRowsRight(
            "UPDATE account_analytic_line SET approval_state = 'validated' WHERE id = %s",
            line.id,
        )
        self.assertRowsRight(
            "UPDATE account_analytic_line SET date = '2026-02-03' WHERE id = %s", line.id
        )
        self.assertRowsRight(
            "UPDATE account_analytic_line SET project_id = %s WHERE id = %s",
            self.support.id,
            line.id,
        )
        self.assertRowsRight(
            """INSERT INTO account_analytic_line (name, date, amount, unit_amount, account_id,
                   project_id, employee_id, company_id, product_uom_id, approval_state,
                   category)
               SELECT 'SQL', '2026-01-21', 0, 8, account_id, id, %s, company_id, %s,
                      'validated', 'other'
                 FROM project_project WHERE id = %s""",
            self.bob.id,
            self.uom_hour.id,
            self.tools.id,
        )
        self.assertRowsRight("DELETE FROM account_analytic_line WHERE id = %s", line.id)

    def test_cost_writes(self):
        self.env.flush_all()
        self.cr.execute(
            "SELECT id FROM account_analytic_line WHERE project_id IS NULL "
            "AND move_line_id IS NOT NULL AND amount < 0 AND account_id = %s ORDER BY id",
            [self.project.account_id.id],
        )
        costs = [row[0] for row in self.cr.fetchall()]
        self.assertEqual(len(costs), 2)  # the expense and the vendor bill of Website
        self.assertRowsRight(
            "UPDATE account_analytic_line SET unit_amount = 3 WHERE id = ANY(%s)", costs
        )
        self.assertRowsRight(
            "UPDATE account_analytic_line SET date = '2026-02-10' WHERE id = ANY(%s)", costs
        )
        self.assertRowsRight(
            "UPDATE account_move_line SET expense_id = NULL WHERE id IN "
            "(SELECT move_line_id FROM account_analytic_line WHERE id = ANY(%s))",
            costs,
        )
        self.assertRowsRight(
            "UPDATE account_analytic_line SET account_id = %s WHERE id = ANY(%s)",
            self.mobile.account_id.id,
            costs,
        )
        self.assertRowsRight("DELETE FROM account_analytic_line WHERE id = ANY(%s)", costs)

    def test_order_and_project_writes(self):
        self.env.flush_all()
        self.assertRowsRight(
            "UPDATE sale_order_line SET price_unit = 650, discount = 10 WHERE order_id = %s",
            self.order_b.id,
        )
        self.assertRowsRight(
            "UPDATE sale_order SET name = 'SO renamed', partner_id = %s WHERE id = %s",
            self.globex.id,
            self.order_b.id,
        )
        self.assertRowsRight(
            "UPDATE sale_order SET project_id = %s WHERE id = %s", self.tools.id, self.order.id
        )
        self.assertRowsRight(
            "UPDATE sale_order_line SET project_id = %s WHERE order_id = %s",
            self.audit.id,
            self.order_f.id,
        )
        self.assertRowsRight(
            "UPDATE sale_order SET postproduction_mode = 'monthly' WHERE id = %s",
            self.order_f.id,
        )
        self.assertRowsRight(
            "UPDATE sale_order SET state = 'cancel', postproduction_signoff = 'required' "
            "WHERE id = %s",
            self.order_e.id,
        )
        self.assertRowsRight(
            """UPDATE project_project SET name = '{"en_US": "Renamed"}', allow_billable = FALSE,
                      postproduction_type_id = NULL WHERE id = %s""",
            self.support.id,
        )
        self.assertRowsRight(
            "UPDATE project_project SET account_id = %s WHERE id = %s",
            self.mobile.account_id.id,
            self.project.id,
        )
        self.assertRowsRight(
            "UPDATE res_partner SET complete_name = 'Acme renamed' WHERE id = %s", self.acme.id
        )
        self.assertRowsRight(
            "UPDATE hr_employee SET name = 'Alice renamed' WHERE id = %s", self.alice.id
        )

    def test_delivery_writes(self):
        self.env.flush_all()
        self.assertRowsRight(
            "UPDATE postproduction_delivery SET daily_rate = 640 WHERE id = %s",
            self.alice_website.id,
        )
        self.assertRowsRight(
            "UPDATE postproduction_delivery SET date_end = '2026-01-06' WHERE id = %s",
            self.alice_website.id,
        )
        self.assertRowsRight(
            "UPDATE postproduction_delivery SET project_id = %s WHERE id = %s",
            self.tools.id,
            self.bob_website.id,
        )
        self.assertRowsRight(
            "DELETE FROM postproduction_delivery_sale_order_rel WHERE order_id = %s",
            self.order_d1.id,
        )
        self.assertRowsRight(
            "INSERT INTO postproduction_delivery_sale_order_rel (delivery_id, order_id) "
            "SELECT id, %s FROM postproduction_delivery WHERE project_id = %s",
            self.order_g.id,
            self.support.id,
        )
        self.assertRowsRight(
            "UPDATE postproduction_delivery SET state = 'draft' WHERE project_id = %s",
            self.migration.id,
        )
        self.assertRowsRight(
            "DELETE FROM postproduction_delivery WHERE project_id = %s", self.portal.id
        )

    def test_invoice_writes(self):
        invoice = self.invoice_order(self.order)
        self.invoice_order(self.order_x)
        self.env.flush_all()
        lines = invoice.invoice_line_ids
        self.assertRowsRight(
            "UPDATE account_move_line SET price_subtotal = price_subtotal + 10 WHERE id = %s",
            lines[0].id,
        )
        self.assertRowsRight(
            "UPDATE account_move SET postproduction_period = %s WHERE id = %s", FEB, invoice.id
        )
        self.assertRowsRight(
            "UPDATE account_move SET move_type = 'out_refund' WHERE id = %s", invoice.id
        )
        self.assertRowsRight(
            "DELETE FROM sale_order_line_invoice_rel WHERE invoice_line_id = %s", lines[0].id
        )
        self.assertRowsRight(
            "INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id) "
            "VALUES (%s, %s)",
            lines[0].id,
            self.hours_line.id,
        )
        self.assertRowsRight("UPDATE account_move SET state = 'cancel' WHERE id = %s", invoice.id)
        self.assertRowsRight("DELETE FROM account_move_line WHERE id = %s", lines[-1].id)
        self.assertRowsRight("DELETE FROM account_move WHERE id = %s", invoice.id)

    def test_schedule_statement_and_note_writes(self):
        self.row(self.project, self.order).note = "To check"
        self.env.flush_all()
        schedule = self.order_f.postproduction_schedule_ids
        self.assertRowsRight(
            "UPDATE postproduction_schedule SET amount = 4000, date = '2026-01-31' WHERE id = %s",
            schedule.id,
        )
        self.assertRowsRight(
            "INSERT INTO postproduction_schedule (order_id, date, name, amount, state) "
            "VALUES (%s, '2026-03-31', '2/2', 5000, 'to_invoice')",
            self.order_f.id,
        )
        self.assertRowsRight("DELETE FROM postproduction_schedule WHERE id = %s", schedule.id)
        self.assertRowsRight(
            "INSERT INTO postproduction_activity_statement (order_id, period, state, "
            "company_id, name) VALUES (%s, %s, 'sent', %s, 'SQL')",
            self.order_b.id,
            JAN,
            self.company.id,
        )
        self.assertRowsRight(
            "UPDATE postproduction_activity_statement SET state = 'signed' WHERE order_id = %s",
            self.order_b.id,
        )
        self.assertRowsRight(
            "UPDATE postproduction_turnover_note SET note = 'Checked' WHERE project_id = %s",
            self.project.id,
        )
        self.assertRowsRight(
            "DELETE FROM postproduction_turnover_note WHERE project_id = %s", self.project.id
        )

    def test_settings_writes_mark_everything(self):
        self.env.flush_all()
        for statement, params in (
            ("UPDATE uom_uom SET factor = factor * 2 WHERE id = %s", [self.uom_hour.id]),
            (
                "UPDATE res_company SET postproduction_validated_timesheets_only = FALSE "
                "WHERE id = %s",
                [self.company.id],
            ),
            ("UPDATE res_currency SET decimal_places = 3 WHERE id = %s", [self.foreign.id]),
            ("UPDATE product_template SET list_price = 99, expense_policy = 'sales_price' "
             "WHERE id = %s", [self.travel.product_tmpl_id.id]),
        ):  # fmt: skip
            self.assertRowsRight(statement, *params)
        self.env["postproduction.turnover"]._fold_marks()
        self.cr.execute("UPDATE uom_uom SET factor = factor WHERE id = %s", [self.uom_hour.id])
        self.assertEqual(self.marks(), [])  # no change, no mark
