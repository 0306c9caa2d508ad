#!/usr/bin/env python3
"""Benchmark of the PostProduction dashboard on a realistic volume.

    eval "$(scripts/dev.sh pg-start | tail -n 1)"; export TZ=UTC
    python3 scripts/benchmark_dashboard.py pp_bench --create     # build, then measure
    python3 scripts/benchmark_dashboard.py pp_bench              # measure again

``--create`` drops the scratch database, copies it from the template (``pp_base``, which
holds PostProduction's dependencies), installs PostProduction without demo data and
generates a year of activity: 2,000 projects, each with a monthly order (one in seven a
schedule order, with its instalments), 300 consultants on 4,000 deliveries, about a
million timesheet lines (SQL ``INSERT ... SELECT generate_series``), re-invoiced expenses
and vendor bills (through the ORM, so that Odoo re-invoices them), and draft invoices for
the months already billed (SQL). Nothing of it belongs in the repository.

It then measures, for one month (the last complete one unless ``--month YYYY-MM``):

- the dashboard's list call: ``web_search_read`` of every row with the list view's
  columns, as the accountant (time and SQL queries);
- the floor: one plain ``GROUP BY project, month`` over that month's timesheet lines;
- Odoo's native project profitability, ``project.project._get_profitability_items()``,
  over the same 2,000 projects (it works per project: the loop is timed);
- twelve months as the web client asks for *Previous 12 months*: the list's first page
  of 80 rows, its count and the pivot's ``read_group`` by month and project type, beside
  one plain ``GROUP BY project, month`` over the year's lines.

Targets: the dashboard month in 500 ms or less and within 3x the floor.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

from benchmark_dashboard_writes import ensure_native_copy, measure_writes, print_writes
from benchmark_template import TEMPLATE, ensure_template, install
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".odoo" / "odoo.conf"
PROJECTS = 2000
CUSTOMERS = 200
CONSULTANTS = 300
SCHEDULE_EVERY = 7  # one project in seven has a schedule order
BILL_LINES_PER_MONTH = 100
EXPENSES_PER_MONTH = 40
STEPS_PARAMETER = "postproduction.benchmark_steps"
#: The measures of the dashboard's pivot view, as the web client asks for them.
PIVOT_MEASURES = [
    f"{name}:sum"
    for name in (
        "production_turnover",
        "invoiced_turnover",
        "written_off_turnover",
        "delta",
        "advanced_turnover",
        "regularisation",
    )
] + ["__count"]
#: Projects whose timesheets are written before the reads "with marks" (not yet folded).
MARKED_PROJECTS = 200

# ---------------------------------------------------------------------------- helpers


def say(message):
    print(f"[benchmark] {message}", flush=True)


def month_start(day):
    return day.replace(day=1)


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day):
    return add_months(day, 1) - timedelta(days=1)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self.start) * 1000


# ---------------------------------------------------------------------------- database


def create_database(db):
    """A fresh copy of the template with PostProduction installed, without demo data."""
    import odoo  # noqa: PLC0415
    from odoo.service import db as db_service  # noqa: PLC0415

    if db in (TEMPLATE, "pp_dev", "pp_fin", "postproduction", "postproduction_test"):
        sys.exit(f"Refusing to overwrite database {db}: choose a scratch name.")
    if db_service.exp_db_exist(db):
        say(f"dropping {db}")
        odoo.sql_db.close_db(db)
        db_service.exp_drop(db)
    ensure_template(say)
    odoo.sql_db.close_db(TEMPLATE)
    say(f"copying {TEMPLATE} to {db}")
    db_service.exp_duplicate_database(TEMPLATE, db)
    say("installing postproduction (without demo data)")
    install(db, "postproduction")


# ---------------------------------------------------------------------------- volume


class Generator:
    """Generates the volume in ``env``'s database, committing after each step."""

    def __init__(self, env, first_month, last_month):
        self.env = env
        self.cr = env.cr
        self.first = first_month
        self.last = last_month
        self.company = env.company
        self.day_product = env.ref("postproduction.product_consultant_day")
        self.day_uom = env.ref("uom.product_uom_day")
        self.hour_uom = env.ref("uom.product_uom_hour")

    # the records of the earlier steps, found again when the generation resumes
    @property
    def customers(self):
        return self.env["res.partner"].search([("name", "=like", "Customer %")], order="id")

    @property
    def vendor(self):
        return self.env["res.partner"].search([("name", "=", "Bench supplies")], limit=1)

    @property
    def consultants(self):
        return self.env["hr.employee"].search([("name", "=like", "Consultant %")], order="id")

    @property
    def projects(self):
        return self.env["project.project"].search([("name", "=like", "Project %")], order="id")

    @property
    def orders(self):
        """The order of each project, in the order of the projects."""
        projects = self.projects
        orders = self.env["sale.order"].search([("project_id", "in", projects.ids)], order="id")
        first = {}
        for order in orders:
            first.setdefault(order.project_id.id, order)
        return self.env["sale.order"].union(*(first[project.id] for project in projects))

    def run(self):
        """Runs the steps not done yet (a failed generation resumes where it stopped)."""
        parameters = self.env["ir.config_parameter"]
        done = set((parameters.get_param(STEPS_PARAMETER) or "").split(","))
        steps = [
            self.make_partners_and_consultants,
            self.make_projects,
            self.make_orders,
            self.make_deliveries,
            self.make_timesheets,
            self.make_schedules,
            self.make_vendor_bills,
            self.make_expenses,
            self.make_invoices,
            self.analyze,
        ]
        for step in steps:
            if step.__name__ in done:
                continue
            with Timer() as timer:
                step()
            done.add(step.__name__)
            parameters.set_param(STEPS_PARAMETER, ",".join(sorted(done - {""})))
            self.cr.commit()
            say(f"  {step.__name__}: {timer.ms / 1000:.1f} s")

    def is_done(self):
        done = self.env["ir.config_parameter"].get_param(STEPS_PARAMETER) or ""
        return "analyze" in done.split(",")

    def make_partners_and_consultants(self):
        self.env["res.partner"].create(
            [{"name": f"Customer {i:03d}", "is_company": True} for i in range(CUSTOMERS)]
        )
        self.env["res.partner"].create({"name": "Bench supplies", "is_company": True})
        users = self.env["res.users"].create(
            [
                {"name": f"Consultant {i:03d}", "login": f"bench.consultant.{i:03d}"}
                for i in range(10)
            ]
        )
        self.env["hr.employee"].create(
            [
                {
                    "name": f"Consultant {i:03d}",
                    "user_id": users[i].id if i < 10 else False,
                    "work_email": f"consultant.{i:03d}@bench.example.com",
                }
                for i in range(CONSULTANTS)
            ]
        )

    def make_projects(self):
        types = self.env["postproduction.project.type"].search([])
        customers = self.customers
        self.env["project.project"].create(
            [
                {
                    "name": f"Project {i:04d}",
                    "partner_id": customers[i % CUSTOMERS].id,
                    "allow_timesheets": True,
                    "allow_billable": True,
                    "postproduction_type_id": types[i % len(types)].id,
                }
                for i in range(PROJECTS)
            ]
        )

    def rate(self, index):
        return 400.0 + (index * 37) % 400

    def is_schedule(self, index):
        return index % SCHEDULE_EVERY == 0

    def make_orders(self):
        fixed = self.env["product.product"].create(
            {"name": "Fixed-price project", "type": "service", "invoice_policy": "order"}
        )
        values = []
        for index, project in enumerate(self.projects):
            lines = (
                [{"product_id": fixed.id, "price_unit": 60000.0}]
                if self.is_schedule(index)
                else [
                    {
                        "product_id": self.day_product.id,
                        "product_uom": self.day_uom.id,
                        "product_uom_qty": 220,
                        "price_unit": self.rate(2 * index + seat),
                    }
                    for seat in (0, 1)
                ]
            )
            values.append(
                {
                    "partner_id": project.partner_id.id,
                    "project_id": project.id,
                    "date_order": f"{self.first:%Y-%m-%d} 08:00:00",
                    "postproduction_mode": "schedule" if self.is_schedule(index) else "monthly",
                    "order_line": [(0, 0, {**line, "tax_id": [(5,)]}) for line in lines],
                }
            )
        self.env["sale.order"].create(values).action_confirm()

    def make_deliveries(self):
        """Two consultants a project; a few deliveries without order or with two orders."""
        rows = []
        all_orders, consultants = self.orders, self.consultants
        for index, (project, order) in enumerate(zip(self.projects, all_orders, strict=True)):
            lines = order.order_line.sorted("id")
            for seat in (0, 1):
                consultant = consultants[(2 * index + seat) % CONSULTANTS]
                orders = [order.id]
                if seat == 1 and index % 50 == 1:
                    orders = []  # not correlated yet: no_order, partial_correlation
                elif seat == 1 and index % 100 == 3:
                    orders = [order.id, all_orders[(index + CUSTOMERS) % PROJECTS].id]
                line = lines[seat].id if len(orders) == 1 and not self.is_schedule(index) else None
                rows.append((project.id, consultant.id, self.rate(2 * index + seat), line, orders))
        for number, (project_id, employee_id, rate, line_id, orders) in enumerate(rows, 1):
            status = {0: "no_order", 1: "ok"}.get(len(orders), "multiple_orders")
            self.cr.execute(
                """INSERT INTO postproduction_delivery
                       (name, kind, project_id, company_id, employee_id, product_id, date_start,
                        date_end, daily_rate, planned_days, sale_line_id, state,
                        correlation_status, active, partner_id)
                   SELECT %s, 'resource', p.id, %s, %s, %s, %s, %s, %s, 220, %s, 'ongoing', %s,
                          TRUE, p.partner_id
                     FROM project_project p WHERE p.id = %s
                RETURNING id""",
                (
                    f"BENCH/{number:05d}",
                    self.company.id,
                    employee_id,
                    self.day_product.id,
                    self.first,
                    add_months(self.last, 6),
                    rate,
                    line_id,
                    status,
                    project_id,
                ),
            )
            delivery_id = self.cr.fetchone()[0]
            for order_id in orders:
                self.cr.execute(
                    "INSERT INTO postproduction_delivery_sale_order_rel VALUES (%s, %s)",
                    (delivery_id, order_id),
                )

    def make_timesheets(self):
        """One line per delivery and working day: about a million lines a year.

        The last month's last week is still submitted on one project in ten.
        """
        pending_from = month_end(self.last) - timedelta(days=6)
        self.cr.execute(
            """
            INSERT INTO account_analytic_line
                   (name, date, amount, unit_amount, account_id, project_id, employee_id,
                    company_id, currency_id, product_uom_id, so_line, order_id, approval_state,
                    timesheet_invoice_type, category, partner_id, create_uid, write_uid,
                    create_date, write_date)
            SELECT 'Work', d_day::date, -hours * 60, hours, p.account_id, d.project_id,
                   d.employee_id, d.company_id, c.currency_id, %(hour)s, d.sale_line_id,
                   sol.order_id,
                   CASE WHEN d_day::date >= %(pending_from)s AND p.id %% 10 = 5
                        THEN 'submitted' ELSE 'validated' END,
                   CASE WHEN d.sale_line_id IS NULL THEN 'non_billable'
                        ELSE 'billable_time' END,
                   'other', p.partner_id, 1, 1, now(), now()
              FROM postproduction_delivery d
              JOIN project_project p ON p.id = d.project_id
              JOIN res_company c ON c.id = d.company_id
              LEFT JOIN sale_order_line sol ON sol.id = d.sale_line_id
             CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d_day
             CROSS JOIN LATERAL (SELECT (ARRAY[0.5, 0.5, 0.75, 1.0])
                                        [1 + (d.id * 7 + EXTRACT(DOY FROM d_day)::int) %% 4]
                                        AS hours) h
             WHERE EXTRACT(ISODOW FROM d_day) < 6
               AND d.kind = 'resource' AND d.name LIKE 'BENCH/%%'
             ORDER BY d_day, d.id
            """,
            {
                "hour": self.hour_uom.id,
                "first": self.first,
                "last": month_end(self.last),
                "pending_from": pending_from,
            },
        )
        say(f"    {self.cr.rowcount} timesheet lines")
        # the delivered quantities Odoo would have computed, for the native report
        self.cr.execute(
            """
            UPDATE sale_order_line sol SET qty_delivered = t.days
              FROM (SELECT so_line, SUM(unit_amount) / 8 AS days FROM account_analytic_line
                     WHERE so_line IS NOT NULL AND approval_state = 'validated'
                     GROUP BY so_line) t
             WHERE t.so_line = sol.id
            """
        )

    def make_schedules(self):
        self.cr.execute(
            """
            INSERT INTO postproduction_schedule
                   (order_id, company_id, date, name, amount, state, create_uid, write_uid,
                    create_date, write_date)
            SELECT so.id, so.company_id,
                   (month + interval '1 month' - interval '1 day')::date,
                   'Instalment ' || to_char(month, 'YYYY-MM'), 5000, 'to_invoice',
                   1, 1, now(), now()
              FROM sale_order so
             CROSS JOIN generate_series(%s::date, %s::date, interval '1 month') month
             WHERE so.postproduction_mode = 'schedule' AND so.id IN %s
            """,
            (self.first, self.last, tuple(self.orders.ids)),
        )

    def monthly_projects(self, month_index, count):
        monthly = [
            project for index, project in enumerate(self.projects) if not self.is_schedule(index)
        ]
        start = (month_index * count) % len(monthly)
        return (monthly * 2)[start : start + count]

    def make_vendor_bills(self):
        """A vendor bill a month, re-invoiced on 100 projects' orders; purchase deliveries."""
        licence = self.env["product.product"].create(
            {
                "name": "Licence (re-invoiced)",
                "type": "service",
                "purchase_ok": True,
                "expense_policy": "cost",
                "invoice_policy": "delivery",
                "supplier_taxes_id": [(5,)],
                "taxes_id": [(5,)],
            }
        )
        month = self.first
        index = 0
        while month <= self.last:
            projects = self.monthly_projects(index, BILL_LINES_PER_MONTH)
            bill = self.env["account.move"].create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "invoice_date": month + timedelta(days=14),
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": licence.id,
                                "quantity": 1 + i % 3,
                                "price_unit": 100.0 + i,
                                "tax_ids": [(5,)],
                                "analytic_distribution": {str(project.account_id.id): 100},
                            },
                        )
                        for i, project in enumerate(projects)
                    ],
                }
            )
            bill.action_post()
            self.cr.commit()
            month = add_months(month, 1)
            index += 1
        order_of = dict(zip(self.projects.ids, self.orders, strict=True))
        self.env["postproduction.delivery"].create(
            [
                {
                    "kind": "purchase",
                    "project_id": project.id,
                    "product_id": licence.id,
                    "date_start": self.first,
                    "date_end": add_months(self.last, 6),
                    "sale_order_ids": [(6, 0, order_of[project.id].ids)],
                    "state": "ongoing",
                }
                for project in self.monthly_projects(0, BILL_LINES_PER_MONTH)
            ]
        )

    def make_expenses(self):
        """An expense report a month, its expenses re-invoiced on 40 orders."""
        travel = self.env["product.product"].create(
            {
                "name": "Travel (re-invoiced)",
                "type": "service",
                "can_be_expensed": True,
                "expense_policy": "cost",
                "invoice_policy": "delivery",
                "supplier_taxes_id": [(5,)],
            }
        )
        employee = self.consultants[0]
        order_of = dict(zip(self.projects.ids, self.orders, strict=True))
        month = self.first
        index = 0
        while month <= self.last:
            projects = self.monthly_projects(index + 3, EXPENSES_PER_MONTH)
            expenses = self.env["hr.expense"].create(
                [
                    {
                        "name": f"Travel {project.name}",
                        "employee_id": employee.id,
                        "product_id": travel.id,
                        "total_amount_currency": 50.0 + i,
                        "tax_ids": [(5,)],
                        "payment_mode": "own_account",
                        "sale_order_id": order_of[project.id].id,
                        "date": month + timedelta(days=9),
                    }
                    for i, project in enumerate(projects)
                ]
            )
            sheet = self.env["hr.expense.sheet"].create(
                {
                    "name": f"Travel {month:%Y-%m}",
                    "employee_id": employee.id,
                    "expense_line_ids": [(6, 0, expenses.ids)],
                    "accounting_date": month + timedelta(days=20),
                }
            )
            sheet.action_submit_sheet()
            sheet.action_approve_expense_sheets()
            sheet.action_sheet_move_post()
            self.cr.commit()
            month = add_months(month, 1)
            index += 1

    def make_invoices(self):
        """Draft invoices of every month before the last, and of one order in three in the
        last month, each billing exactly its month's validated timesheets (SQL)."""
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)], limit=1
        )
        self.cr.execute(
            """
            CREATE TEMP TABLE bench_invoice_line ON COMMIT DROP AS
            SELECT nextval('account_move_line_id_seq') AS aml_id, t.so_line, t.month,
                   t.order_id, t.amount, t.qty
              FROM (SELECT al.so_line, sol.order_id,
                           date_trunc('month', al.date::timestamp)::date AS month,
                           SUM(al.unit_amount) / 8 AS qty,
                           ROUND((SUM(al.unit_amount) / 8 * sol.price_unit)::numeric, 2) AS amount
                      FROM account_analytic_line al
                      JOIN sale_order_line sol ON sol.id = al.so_line
                     WHERE al.project_id IS NOT NULL AND al.approval_state = 'validated'
                       AND al.name = 'Work'
                     GROUP BY al.so_line, sol.order_id, sol.price_unit,
                              date_trunc('month', al.date::timestamp)) t
             WHERE t.month < %(last)s OR (t.month = %(last)s AND t.order_id %% 3 = 0);

            CREATE TEMP TABLE bench_invoice ON COMMIT DROP AS
            SELECT nextval('account_move_id_seq') AS move_id, order_id, month
              FROM (SELECT DISTINCT order_id, month FROM bench_invoice_line) o;

            INSERT INTO account_move
                   (id, name, move_type, state, journal_id, company_id, currency_id, date,
                    invoice_date, partner_id, commercial_partner_id, postproduction_period,
                    auto_post, invoice_origin, amount_untaxed, create_uid, write_uid,
                    create_date, write_date)
            SELECT bi.move_id, '/', 'out_invoice', 'draft', %(journal)s, so.company_id,
                   so.currency_id, (bi.month + interval '1 month - 1 day')::date,
                   (bi.month + interval '1 month - 1 day')::date, so.partner_id,
                   so.partner_id, bi.month, 'no', so.name,
                   (SELECT SUM(amount) FROM bench_invoice_line bl
                     WHERE bl.order_id = bi.order_id AND bl.month = bi.month),
                   1, 1, now(), now()
              FROM bench_invoice bi JOIN sale_order so ON so.id = bi.order_id;

            INSERT INTO account_move_line
                   (id, move_id, company_id, currency_id, company_currency_id, display_type,
                    account_id, product_id, quantity, price_unit, price_subtotal, price_total, name,
                    partner_id, parent_state, create_uid, write_uid, create_date, write_date)
            SELECT bl.aml_id, bi.move_id, so.company_id, so.currency_id, so.currency_id,
                   'product', %(account)s, sol.product_id, bl.qty, sol.price_unit, bl.amount,
                   bl.amount, sol.name, so.partner_id, 'draft', 1, 1, now(), now()
              FROM bench_invoice_line bl
              JOIN bench_invoice bi ON bi.order_id = bl.order_id AND bi.month = bl.month
              JOIN sale_order so ON so.id = bl.order_id
              JOIN sale_order_line sol ON sol.id = bl.so_line;

            INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id)
            SELECT aml_id, so_line FROM bench_invoice_line;
            """,
            {"last": self.last, "journal": journal.id, "account": journal.default_account_id.id},
        )

    def analyze(self):
        """What the dashboard's cron and autovacuum do after a bulk load: the rows kept,
        statistics, and the visibility map that lets the month's timesheets be read from
        their index alone."""
        import psycopg2  # noqa: PLC0415

        from odoo.sql_db import connection_info_for  # noqa: PLC0415

        self.env["postproduction.turnover"]._fold_marks()
        self.cr.commit()
        _name, dsn = connection_info_for(self.cr.dbname)
        connection = psycopg2.connect(**dsn)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        connection.close()


# ---------------------------------------------------------------------------- measures


def list_specification(env):
    """The ``web_search_read`` specification of the dashboard's list view."""
    model = env["postproduction.turnover"]
    view = model.get_views(
        [(env.ref("postproduction.postproduction_turnover_view_list").id, "list")]
    )
    arch = etree.fromstring(view["views"]["list"]["arch"])
    spec = {}
    # as the web client: the columns shown (not the optional ones hidden by default), the
    # display name of a many2one unless the field is always invisible
    for node in arch.iterfind("field"):
        name = node.get("name")
        if node.get("optional") == "hide":
            continue
        spec[name] = {}
        if model._fields[name].type in ("many2one", "many2many"):
            invisible = node.get("invisible") in ("True", "1")
            spec[name] = {"fields": {} if invisible else {"display_name": {}}}
    return spec


def dashboard_run(env, month, spec):
    """One call of the list: (milliseconds, SQL queries, rows)."""
    env.invalidate_all()
    before = env.cr.sql_log_count
    with Timer() as timer:
        result = env["postproduction.turnover"].web_search_read([("period", "=", month)], spec)
    return timer.ms, env.cr.sql_log_count - before, result["length"]


def floor_run(env, month, last=None):
    """One plain ``GROUP BY project, month`` over the timesheet lines of ``month`` (to
    ``last``'s end when given), in ms."""
    with Timer() as timer:
        env.cr.execute(
            """SELECT project_id, date_trunc('month', date::timestamp)::date, SUM(unit_amount)
                 FROM account_analytic_line
                WHERE project_id IS NOT NULL AND date >= %s AND date <= %s
                GROUP BY 1, 2""",
            (month, month_end(last or month)),
        )
        env.cr.fetchall()
    return timer.ms


def measure(user_env, env, month, runs):
    """The dashboard and the floor, run in turns (a warm-up each, then ``runs`` pairs).

    Taking turns exposes both to the same load of the machine, so that their ratio holds
    when other work runs on it.
    """
    spec = list_specification(user_env)
    timings, queries, floor, rows = [], [], [], 0
    for _run in range(runs + 1):
        ms, count, rows = dashboard_run(user_env, month, spec)
        timings.append(ms)
        queries.append(count)
        floor.append(floor_run(env, month))
    return rows, timings, queries, floor


def year_runs(user_env, env, first, last, spec, runs):
    """Twelve months, as the web client asks for *Previous 12 months*: the list's first
    page (80 rows), its count, and the pivot's ``read_group`` by month and project type;
    beside the floor, one plain ``GROUP BY project, month`` over the year's lines. Each
    a warm-up then ``runs`` times, in turns. Returns {name: [ms, ...]}."""
    dashboard = user_env["postproduction.turnover"]
    domain = [("period", ">=", first), ("period", "<=", last)]
    calls = {
        "first page (80 rows)": lambda: dashboard.web_search_read(domain, spec, limit=80),
        "count": lambda: dashboard.search_count(domain),
        "pivot read_group": lambda: dashboard.read_group(
            domain, PIVOT_MEASURES, ["period:month", "project_type_id"], lazy=False
        ),
        "graph read_group": lambda: dashboard.read_group(
            domain, ["production_turnover:sum"], ["period:month", "project_type_id"], lazy=False
        ),
    }
    return time_calls(user_env, {**calls, "floor": lambda: floor_run(env, first, last)}, runs)


def time_calls(user_env, calls, runs):
    """{name: [ms, ...]}: each call a warm-up then ``runs`` times, the calls in turns,
    the cache emptied before each."""
    timings = {name: [] for name in calls}
    for _run in range(runs + 1):
        for name, call in calls.items():
            user_env.invalidate_all()
            with Timer() as timer:
                call()
            timings[name].append(timer.ms)
    return timings


def print_year(year, first, last):
    year_floor = statistics.median(year["floor"][1:])
    print(f"Twelve months ({first:%Y-%m} to {last:%Y-%m}), as Previous 12 months asks:")
    for name, values in year.items():
        median = statistics.median(values[1:])
        ratio = "" if name == "floor" else f", {median / year_floor:.1f}x the year floor"
        print(f"  {name}: {median:.0f} ms median (first {values[0]:.0f} ms){ratio}")


def kept_rows_check(env):
    """(rows, rows differing) between the rows read and the rows the view computes, over
    every month of the database: the kept rows must be exactly the view's."""
    env.cr.execute(
        """SELECT (SELECT COUNT(*) FROM postproduction_turnover),
                  (SELECT COUNT(*) FROM (SELECT * FROM postproduction_turnover
                                         EXCEPT ALL SELECT * FROM postproduction_turnover_live) a)
                + (SELECT COUNT(*) FROM (SELECT * FROM postproduction_turnover_live
                                         EXCEPT ALL SELECT * FROM postproduction_turnover) b)"""
    )
    return env.cr.fetchone()


def mark_a_day_of_timesheets(env, month):
    """Write one timesheet line on each of ``MARKED_PROJECTS`` projects of ``month`` (in
    SQL, in the transaction, not folded): the marks a day of timesheets leaves."""
    env.cr.execute(
        """UPDATE account_analytic_line SET unit_amount = unit_amount + 0.25
            WHERE id IN (SELECT DISTINCT ON (project_id) id FROM account_analytic_line
                          WHERE project_id IS NOT NULL AND date >= %s AND date <= %s
                          ORDER BY project_id, id LIMIT %s)""",
        (month, month_end(month), MARKED_PROJECTS),
    )
    env.cr.execute("SELECT COUNT(DISTINCT project_id) FROM postproduction_turnover_dirty")
    return env.cr.fetchone()[0]


def marked_runs(user_env, env, month, first, last, spec, runs):
    """The month's list and the year's first page while ``MARKED_PROJECTS`` projects are
    marked: their rows computed from the view, the others read as kept."""
    marked = mark_a_day_of_timesheets(env, month)
    domain = [("period", ">=", first), ("period", "<=", last)]
    calls = {
        "month list": lambda: user_env["postproduction.turnover"].web_search_read(
            [("period", "=", month)], spec
        ),
        "year first page": lambda: user_env["postproduction.turnover"].web_search_read(
            domain, spec, limit=80
        ),
    }
    timings = time_calls(user_env, calls, runs)
    env.cr.rollback()
    return marked, timings


def measure_native(env, projects):
    env.invalidate_all()
    with Timer() as timer:
        for project in projects:
            project._get_profitability_items(with_action=False)
    return timer.ms


def statuses(env, month):
    env.cr.execute(
        "SELECT status, COUNT(*) FROM postproduction_turnover WHERE period = %s GROUP BY 1 "
        "ORDER BY 2 DESC",
        (month,),
    )
    return ", ".join(f"{status} {count}" for status, count in env.cr.fetchall())


# ---------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="scratch database (e.g. pp_bench)")
    parser.add_argument("--create", action="store_true", help="(re)create and fill it")
    parser.add_argument("--month", help="the month to measure, YYYY-MM (default: last month)")
    parser.add_argument("--runs", type=int, default=9, help="measured runs after a warm-up")
    parser.add_argument("--skip-native", action="store_true", help="skip the native report")
    parser.add_argument(
        "--skip-writes", action="store_true", help="skip the write costs (and their copy)"
    )
    args = parser.parse_args()
    os.chdir(ROOT)

    import odoo  # noqa: PLC0415
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", str(CONFIG), "--log-level=warn"])
    today = date.today()
    last = add_months(month_start(today), -1)
    first = add_months(last, -11)
    if args.create:
        create_database(args.database)
    registry = odoo.modules.registry.Registry.new(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        generator = Generator(env, first, last)
        if not generator.is_done():
            say(f"generating a year of activity ({first:%Y-%m} to {last:%Y-%m})")
            generator.run()
        month = date.fromisoformat(f"{args.month}-01") if args.month else last
        cr.execute("SELECT COUNT(*) FROM account_analytic_line WHERE project_id IS NOT NULL")
        lines = cr.fetchone()[0]
        cr.execute(
            "SELECT COUNT(*) FROM account_analytic_line WHERE project_id IS NOT NULL "
            "AND date >= %s AND date <= %s",
            (month, month_end(month)),
        )
        month_lines = cr.fetchone()[0]
        admin = env.ref("base.user_admin")
        user_env = api.Environment(
            cr,
            admin.id,
            {"lang": "en_US", "tz": "UTC", "allowed_company_ids": admin.company_ids.ids},
        )
        rows, timings, queries, floor = measure(user_env, env, month, args.runs)
        spec = list_specification(user_env)
        year = year_runs(user_env, env, first, last, spec, args.runs)
        marked, marked_timings = marked_runs(user_env, env, month, first, last, spec, args.runs)
        kept = kept_rows_check(env)
        status_counts = statuses(env, month)
        projects = env["project.project"].search([("name", "=like", "Project %")])
        native = None if args.skip_native else measure_native(user_env, projects)
        cr.rollback()
    writes = None
    if not args.skip_writes:
        native_db = ensure_native_copy(args.database, say)
        say(f"writes, {args.database} and {native_db} in turns")
        writes = measure_writes(args.database, native_db, month, args.runs, say)

    return report(
        SimpleNamespace(
            month=month,
            projects=projects,
            lines=lines,
            month_lines=month_lines,
            status_counts=status_counts,
            rows=rows,
            timings=timings,
            queries=queries,
            floor=floor,
            year=year,
            first=first,
            last=last,
            marked=marked,
            marked_timings=marked_timings,
            kept=kept,
            native=native,
            writes=writes,
        )
    )


def report(r):
    """Print the figures and the targets; 0 when every target is met."""
    dashboard_ms, floor_ms = statistics.median(r.timings[1:]), statistics.median(r.floor[1:])
    dashboard_best, floor_best = min(r.timings[1:]), min(r.floor[1:])
    print()
    print(
        f"Volume: {len(r.projects)} projects, {r.lines} timesheet lines, "
        f"{r.month_lines} in {r.month:%Y-%m}"
    )
    print(f"Statuses of {r.month:%Y-%m}: {r.status_counts}")
    print(
        f"Dashboard web_search_read, {r.rows} rows: {dashboard_ms:.0f} ms median "
        f"(first {r.timings[0]:.0f} ms, best {dashboard_best:.0f} ms), "
        f"{r.queries[-1]} SQL queries (each run: {sorted(set(r.queries))})"
    )
    print(
        f"Floor GROUP BY project, month: {floor_ms:.0f} ms median "
        f"(first {r.floor[0]:.0f} ms, best {floor_best:.0f} ms)"
    )
    print(
        f"Ratio dashboard / floor: {dashboard_ms / floor_ms:.1f}x median, "
        f"{dashboard_best / floor_best:.1f}x best"
    )
    print_year(r.year, r.first, r.last)
    print(f"With {r.marked} projects marked (a day of timesheets, before the fold):")
    for name, values in r.marked_timings.items():
        print(f"  {name}: {statistics.median(values[1:]):.0f} ms median")
    print(f"Rows read equal the view's: {r.kept[0]} rows, {r.kept[1]} differing")
    if r.native is not None:
        print(
            f"Native _get_profitability_items() over {len(r.projects)} projects: "
            f"{r.native:.0f} ms ({r.native / max(len(r.projects), 1):.1f} ms a project)"
        )
    year_floor = statistics.median(r.year["floor"][1:])
    checks = {
        "month list <= 1x the month floor": dashboard_ms <= floor_ms,
        "each twelve-month call <= 1x the year floor": all(
            statistics.median(values[1:]) <= year_floor for values in r.year.values()
        ),
        "first page of twelve months < 300 ms": (
            statistics.median(r.year["first page (80 rows)"][1:]) < 300
        ),
        "rows read equal the view's": r.kept[1] == 0,
    }
    if r.writes is not None:
        checks["each write <= 1.3x without PostProduction"] = print_writes(r.writes)
    for name, ok in checks.items():
        print(f"Target {name}: {'met' if ok else 'NOT met'}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
