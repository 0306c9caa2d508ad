from datetime import date

import psycopg2.errors

from odoo import Command
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL

JAN = date(2026, 1, 1)
FEB = date(2026, 2, 1)


class KeptRowsCase(TransactionCase):
    """Checks, after each test, that the dashboard's kept rows are right.

    Each test starts with every mark folded (the rows kept); at its end, the rows read
    (kept rows of the keys not marked, computed rows of the marked ones) must equal the
    rows the view computes: a write the test made that marks no key, or the wrong one,
    leaves a kept row that differs. Folded again, the kept rows must equal the view.
    """

    def setUp(self):
        super().setUp()
        self.env["postproduction.turnover"]._fold_marks()
        self.addCleanup(self._assert_kept_rows_right)

    def _assert_kept_rows_right(self):
        if self.cr.closed:
            return
        try:
            with self.cr.savepoint():
                self.env.flush_all()
                read = self._rows_differing("postproduction_turnover")
                self.env["postproduction.turnover"]._fold_marks()
                kept = self._rows_differing("postproduction_turnover_stored")
        except psycopg2.errors.InFailedSqlTransaction:
            return  # the test left its transaction failed: nothing to compare
        self.assertEqual(read, [], "dashboard rows read differ from the view's")
        self.assertEqual(kept, [], "dashboard rows kept differ from the view's")

    def _rows_differing(self, table):
        """(side, id, period, project) of the rows of ``table`` not in the view, and of
        the view not in ``table``."""
        self.cr.execute(
            SQL(
                """SELECT 'read', id, period, project_id FROM (
                       SELECT * FROM %(table)s EXCEPT ALL SELECT * FROM %(live)s) a
                   UNION ALL
                   SELECT 'view', id, period, project_id FROM (
                       SELECT * FROM %(live)s EXCEPT ALL SELECT * FROM %(table)s) b
                   ORDER BY 2, 1""",
                table=SQL.identifier(table),
                live=SQL.identifier("postproduction_turnover_live"),
            )
        )
        return self.cr.fetchall()


class PostproductionCase(KeptRowsCase):
    """A small services company: one customer, one project, two consultants, one order.

    Alice and Bob are consultants on project "Website" of customer Acme; order SO_A is a
    confirmed monthly order of Acme. Globex is another customer.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.postproduction_validated_timesheets_only = True
        cls.day_product = cls.env.ref("postproduction.product_consultant_day")
        cls.uom_day = cls.env.ref("uom.product_uom_day")
        cls.uom_hour = cls.env.ref("uom.product_uom_hour")

        cls.acme = cls.env["res.partner"].create({"name": "Acme", "is_company": True})
        cls.acme_contact = cls.env["res.partner"].create(
            {"name": "Acme buyer", "parent_id": cls.acme.id}
        )
        cls.globex = cls.env["res.partner"].create({"name": "Globex", "is_company": True})

        cls.user_pp = new_test_user(
            cls.env, "pp_user", groups="base.group_user,postproduction.group_postproduction_user"
        )
        cls.user_manager = new_test_user(
            cls.env,
            "pp_manager",
            groups="base.group_user,postproduction.group_postproduction_manager",
        )
        cls.user_validator = new_test_user(
            cls.env,
            "pp_validator",
            groups="base.group_user,postproduction.group_postproduction_timesheet_validator",
        )
        cls.user_alice = new_test_user(
            cls.env, "pp_alice", groups="base.group_user,hr_timesheet.group_hr_timesheet_user"
        )
        cls.user_bob = new_test_user(
            cls.env, "pp_bob", groups="base.group_user,hr_timesheet.group_hr_timesheet_user"
        )
        cls.user_employee = new_test_user(cls.env, "pp_employee", groups="base.group_user")

        cls.alice = cls.env["hr.employee"].create(
            {"name": "Alice", "user_id": cls.user_alice.id, "company_id": cls.company.id}
        )
        cls.bob = cls.env["hr.employee"].create(
            {"name": "Bob", "user_id": cls.user_bob.id, "company_id": cls.company.id}
        )

        cls.project = cls.env["project.project"].create(
            {
                "name": "Website",
                "partner_id": cls.acme.id,
                "allow_timesheets": True,
                "allow_billable": True,
                "company_id": cls.company.id,
            }
        )
        cls.order = cls.create_order(cls.acme)

    @classmethod
    def create_other_company_user(cls, login, group):
        """A user of ``group`` who works only in a new company, "Other services"."""
        other = cls.env["res.company"].create({"name": "Other services"})
        user = new_test_user(
            cls.env,
            login,
            groups=f"base.group_user,{group}",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        return other, user

    @classmethod
    def create_order(cls, partner, confirm=True, **values):
        order = cls.env["sale.order"].create(
            {"partner_id": partner.id, "company_id": cls.company.id, **values}
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def create_delivery(
        cls,
        employee=None,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        rate=500.0,
        orders=None,
        confirm=True,
        **values,
    ):
        delivery = cls.env["postproduction.delivery"].create(
            {
                "project_id": cls.project.id,
                "employee_id": (employee or cls.alice).id,
                "date_start": start,
                "date_end": end,
                "daily_rate": rate,
                "sale_order_ids": [Command.set((orders or cls.env["sale.order"]).ids)],
                **values,
            }
        )
        if confirm:
            delivery.action_confirm()
        return delivery

    @classmethod
    def create_timesheet(cls, day, hours=8.0, employee=None, project=None):
        return cls.env["account.analytic.line"].create(
            {
                "name": "Work",
                "project_id": (project or cls.project).id,
                "employee_id": (employee or cls.alice).id,
                "date": day,
                "unit_amount": hours,
            }
        )


class TurnoverCase(PostproductionCase):
    """Several projects of Acme in January 2026, one per status of the dashboard.

    ============  =========  ===========================================  ===================
    project       order      activity in January                          status
    ============  =========  ===========================================  ===================
    Website       SO_A       Alice 20 h (Days line, 500), Bob 12 h (Hours  to_invoice
                             line, 70/h), expense 120, vendor bill 300
    Mobile        SO_B       Alice 4 x 8 h at 600: one per approval state  timesheets_pending
    Support       (none)     Bob 8 h, delivery without order, rate 450     no_order
    Audit         (none)     Alice 8 h, delivery with two orders, 550      multiple_orders
    Migration     SO_E       Alice 8 h at 500                              partial_correlation
    Migration     (none)     Bob 8 h, delivery without order, rate 300     no_order
    Portal        SO_F       Alice 8 h on a schedule order; instalment     no_schedule
                             of 5,000 in February only
    Tools         SO_G       Bob 8 h at a daily rate of 0                  nothing_to_invoice
    Export        SO_X       Bob 8 h at 1,000 in another currency          to_invoice
    ============  =========  ===========================================  ===================

    In February, Alice's Website delivery is renewed on SO_A2 at 520.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project_type = cls.env["postproduction.project.type"].create(
            {"name": "Time and material", "code": "TM_TEST"}
        )
        cls.project.write({"postproduction_type_id": cls.project_type.id})
        cls.order.project_id = cls.project
        cls.projects = cls.project
        cls.travel = cls._create_cost_product("Travel", can_be_expensed=True)
        cls.licence = cls._create_cost_product("Licence", purchase_ok=True)
        cls.vendor = cls.env["res.partner"].create({"name": "Softworks"})

        cls._build_website()
        cls._build_mobile()
        cls._build_problems()
        cls._build_portal()
        cls._build_tools_and_export()

    # ------------------------------------------------------------------ scenario
    @classmethod
    def _create_cost_product(cls, name, **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "expense_policy": "cost",
                "invoice_policy": "delivery",
                "standard_price": 0.0,
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
                **values,
            }
        )

    @classmethod
    def _new_project(cls, name, **values):
        project = cls.env["project.project"].create(
            {
                "name": name,
                "partner_id": cls.acme.id,
                "allow_timesheets": True,
                "allow_billable": True,
                "company_id": cls.company.id,
                "postproduction_type_id": cls.project_type.id,
                **values,
            }
        )
        cls.projects |= project
        return project

    @classmethod
    def _deliver(cls, project, employee, rate, orders=None, end=date(2026, 12, 31), **values):
        return cls.create_delivery(
            employee=employee,
            start=JAN,
            end=end,
            rate=rate,
            orders=orders,
            project_id=project.id,
            **values,
        )

    @classmethod
    def _timesheet(cls, project, employee, day, hours=8.0, state="validated"):
        timesheet = cls.create_timesheet(day, hours=hours, employee=employee, project=project)
        if state in ("submitted", "refused"):
            timesheet.action_submit()
        if state == "refused":
            timesheet.action_refuse()
        if state == "validated":
            timesheet.action_validate()
        return timesheet

    @classmethod
    def _build_website(cls):
        # Bob's line is in hours: his delivery finds it (same product, same rate).
        cls.hours_line = cls.env["sale.order.line"].create(
            {
                "order_id": cls.order.id,
                "product_id": cls.day_product.id,
                "product_uom": cls.uom_hour.id,
                "product_uom_qty": 100,
                "price_unit": 70.0,
                "tax_id": [Command.clear()],
            }
        )
        cls.alice_website = cls._deliver(
            cls.project, cls.alice, 500.0, cls.order, end=date(2026, 1, 31)
        )
        cls.bob_website = cls._deliver(cls.project, cls.bob, 70.0, cls.order)
        cls.order_a2 = cls.create_order(cls.acme)
        cls.alice_website_feb = cls.alice_website._renew(
            FEB, date(2026, 12, 31), daily_rate=520.0, order=cls.order_a2
        )
        for day, hours in ((5, 8.0), (6, 8.0), (7, 4.0)):
            cls._timesheet(cls.project, cls.alice, date(2026, 1, day), hours)
        cls._timesheet(cls.project, cls.bob, date(2026, 1, 5), 12.0)
        cls._timesheet(cls.project, cls.alice, date(2026, 2, 2))
        cls._post_expense(cls.order, 120.0, date(2026, 1, 10))
        cls._post_vendor_bill(cls.project, cls.licence, 2, 150.0, date(2026, 1, 15))

    @classmethod
    def _post_expense(cls, order, amount, day):
        expense = cls.env["hr.expense"].create(
            {
                "name": "Train to Acme",
                "employee_id": cls.alice.id,
                "product_id": cls.travel.id,
                "total_amount_currency": amount,
                "tax_ids": [Command.clear()],
                "payment_mode": "own_account",
                "sale_order_id": order.id,
                "date": day,
            }
        )
        sheet = cls.env["hr.expense.sheet"].create(
            {
                "name": "Visits",
                "employee_id": cls.alice.id,
                "expense_line_ids": [Command.set(expense.ids)],
                "accounting_date": day,
            }
        )
        sheet.action_submit_sheet()
        sheet.action_approve_expense_sheets()
        sheet.action_sheet_move_post()
        return expense

    @classmethod
    def _post_vendor_bill(cls, project, product, quantity, price, day):
        bill = cls.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": cls.vendor.id,
                "invoice_date": day,
                "date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                            "analytic_distribution": {str(project.account_id.id): 100},
                        }
                    )
                ],
            }
        )
        bill.action_post()
        return bill

    @classmethod
    def _build_mobile(cls):
        cls.mobile = cls._new_project("Mobile")
        cls.order_b = cls.create_order(cls.acme)
        cls._deliver(cls.mobile, cls.alice, 600.0, cls.order_b)
        for day, state in ((12, "validated"), (13, "submitted"), (14, "draft"), (15, "refused")):
            cls._timesheet(cls.mobile, cls.alice, date(2026, 1, day), state=state)

    @classmethod
    def _build_problems(cls):
        cls.support = cls._new_project("Support")
        cls._deliver(cls.support, cls.bob, 450.0)
        cls._timesheet(cls.support, cls.bob, date(2026, 1, 5))

        cls.audit = cls._new_project("Audit")
        cls.order_d1 = cls.create_order(cls.acme)
        cls.order_d2 = cls.create_order(cls.acme)
        cls._deliver(cls.audit, cls.alice, 550.0, cls.order_d1 | cls.order_d2)
        cls._timesheet(cls.audit, cls.alice, date(2026, 1, 6))

        cls.migration = cls._new_project("Migration")
        cls.order_e = cls.create_order(cls.acme)
        cls._deliver(cls.migration, cls.alice, 500.0, cls.order_e)
        cls._deliver(cls.migration, cls.bob, 300.0)
        cls._timesheet(cls.migration, cls.alice, date(2026, 1, 7))
        cls._timesheet(cls.migration, cls.bob, date(2026, 1, 7))

    @classmethod
    def _build_portal(cls):
        cls.portal = cls._new_project("Portal")
        fixed_price = cls.env["product.product"].create(
            {"name": "Portal, fixed price", "type": "service", "invoice_policy": "order"}
        )
        cls.order_f = cls.create_order(
            cls.acme,
            postproduction_mode="schedule",
            order_line=[
                Command.create(
                    {
                        "product_id": fixed_price.id,
                        "price_unit": 10000.0,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        )
        cls.env["postproduction.schedule"].create(
            {"order_id": cls.order_f.id, "date": date(2026, 2, 28), "name": "1/2", "amount": 5000}
        )
        cls._deliver(cls.portal, cls.alice, 700.0, cls.order_f)
        cls._timesheet(cls.portal, cls.alice, date(2026, 1, 8))

    @classmethod
    def _build_tools_and_export(cls):
        cls.tools = cls._new_project("Tools")
        cls.order_g = cls.create_order(cls.acme)
        cls._deliver(cls.tools, cls.bob, 0.0, cls.order_g)
        cls._timesheet(cls.tools, cls.bob, date(2026, 1, 9))

        cls.export = cls._new_project("Export")
        company_currency = cls.company.currency_id
        cls.foreign = cls.env.ref("base.EUR" if company_currency.name != "EUR" else "base.USD")
        cls.foreign.active = True
        pricelist = cls.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": cls.foreign.id, "company_id": cls.company.id}
        )
        cls.order_x = cls.create_order(cls.acme, pricelist_id=pricelist.id)
        cls._deliver(cls.export, cls.bob, 1000.0, cls.order_x)
        cls._timesheet(cls.export, cls.bob, date(2026, 1, 12))

    # ------------------------------------------------------------------ helpers
    def rows(self, *months):
        return self.env["postproduction.turnover"].search(
            [("period", "in", list(months or [JAN])), ("project_id", "in", self.projects.ids)]
        )

    def row(self, project, order=None, month=JAN):
        rows = self.env["postproduction.turnover"].search(
            [
                ("period", "=", month),
                ("project_id", "=", project.id),
                ("order_id", "=", order.id if order else False),
            ]
        )
        self.assertEqual(len(rows), 1, f"one row for {project.name} / {order and order.name}")
        return rows

    def invoice_order(self, order, month=JAN):
        invoice = order._create_invoices()
        invoice.postproduction_period = month
        self.env.invalidate_all()
        return invoice
