"""What PostProduction adds to the writes the dashboard depends on, measured against the
same database with PostProduction uninstalled (part of ``benchmark_dashboard.py``).

The copy (``<database>_native``) is made once from the benchmark database, and
PostProduction is uninstalled from it through Odoo (``button_immediate_uninstall``): the
same data and the same other modules, none of our triggers, fields or overrides. Each
write runs in its own transaction, rolled back, on both databases in turns (the order
of the two alternating from one run to the next), and the medians are compared.
"""

import statistics
import time
from datetime import timedelta

#: The timesheets one batch writes.
BATCH = 500


def ensure_native_copy(database, say):
    """The name of the copy of ``database`` without PostProduction, made if missing."""
    import odoo  # noqa: PLC0415
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.service import db as db_service  # noqa: PLC0415

    native = f"{database}_native"
    if db_service.exp_db_exist(native):
        return native
    say(f"copying {database} to {native}")
    odoo.sql_db.close_db(database)
    db_service.exp_duplicate_database(database, native)
    say(f"uninstalling postproduction from {native}")
    registry = odoo.modules.registry.Registry.new(native)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        module = env["ir.module.module"].search([("name", "=", "postproduction")])
        module.button_immediate_uninstall()
    return native


class Writes:
    """The writes measured, on one database (``env``) for the month ``month``."""

    def __init__(self, env, month, ours):
        self.env = env
        self.month = month
        self.ours = ours  # whether PostProduction is installed in this database

    def lines(self, count, state=None):
        """``count`` timesheet lines of the month on the bench projects, one per project
        first (a batch spreads over the projects as a day's timesheets do)."""
        domain = [
            ("project_id.name", "=like", "Project %"),
            ("date", ">=", self.month),
            ("date", "<", (self.month + timedelta(days=32)).replace(day=1)),
        ]
        if state:
            domain.append(("approval_state", "=", state))
        return self.env["account.analytic.line"].search(domain, limit=count, order="date, id")

    def editable(self, lines):
        """``lines``, back to draft where PostProduction is installed (a validated
        timesheet cannot be changed there): in SQL, untimed, rolled back after."""
        if self.ours:
            self.env.cr.execute(
                "UPDATE account_analytic_line SET approval_state = 'draft' WHERE id = ANY(%s)",
                [lines.ids],
            )
            lines.invalidate_recordset(["approval_state"])
        return lines

    def new_lines(self, count):
        template = self.lines(count)
        return [
            {
                "name": "Bench",
                "project_id": line.project_id.id,
                "employee_id": line.employee_id.id,
                "date": line.date + timedelta(days=1),
                "unit_amount": 2.0,
                # on their order line on both sides: PostProduction would find it through
                # the delivery, Odoo only through the project's or the employee's mapping
                "so_line": line.so_line.id,
            }
            for line in template
        ]

    def approve(self, count):
        """The approval of submitted lines. Without PostProduction nothing is approved:
        the write measured there is the one that changes what the same lines deliver to
        their order lines natively, their hours."""
        if self.ours:
            lines = self.lines(count, state="submitted")
            return lines.action_validate
        lines = self.lines(count)
        return lambda: lines.write({"unit_amount": 1.0})

    def draft_invoice(self):
        """A draft invoice of two days on the first bench order's first line."""
        order = self.env["sale.order"].search([("name", "!=", False)], limit=1, order="id")
        line = order.order_line[:1]
        return self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": order.partner_id.id,
                "invoice_date": self.month + timedelta(days=27),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": line.product_id.id,
                            "quantity": 2,
                            "price_unit": line.price_unit,
                            "sale_line_ids": [(6, 0, line.ids)],
                            "tax_ids": [(5,)],
                        },
                    )
                ],
            }
        )

    def post_invoice(self):
        invoice = self.draft_invoice()
        self.env.flush_all()
        return invoice.action_post

    def credit_note(self):
        invoice = self.draft_invoice()
        invoice.action_post()
        self.env.flush_all()
        return lambda: invoice._reverse_moves(cancel=False).action_post()

    def operations(self):
        """{name: setup}: each setup returns the write to time (its setup untimed)."""

        def create(count):
            values = self.new_lines(count)
            return lambda: self.env["account.analytic.line"].create(values)

        def update(count):
            lines = self.editable(self.lines(count))
            return lambda: lines.write({"unit_amount": 3.0})

        def delete(count):
            lines = self.editable(self.lines(count))
            return lines.unlink

        return {
            "timesheet create, 1 line": lambda: create(1),
            "timesheet update, 1 line": lambda: update(1),
            "timesheet delete, 1 line": lambda: delete(1),
            "approval change, 1 line": lambda: self.approve(1),
            f"timesheet create, {BATCH} lines": lambda: create(BATCH),
            f"timesheet update, {BATCH} lines": lambda: update(BATCH),
            f"timesheet delete, {BATCH} lines": lambda: delete(BATCH),
            f"approval change, {BATCH} lines": lambda: self.approve(BATCH),
            "invoice post": self.post_invoice,
            "credit note (reverse and post)": self.credit_note,
        }


def _disable_our_triggers(cr):
    """Disable PostProduction's triggers in this transaction (rolled back after)."""
    cr.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
        "WHERE tgname LIKE 'postproduction%%' AND NOT tgisinternal"
    )
    for table, trigger in cr.fetchall():
        cr.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{trigger}"')


def _time_once(registry, month, ours, name, triggers=True):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    with registry.cursor() as cr:
        if not triggers:
            _disable_our_triggers(cr)
        root = api.Environment(cr, SUPERUSER_ID, {})
        admin = root.ref("base.user_admin")
        env = api.Environment(
            cr,
            admin.id,
            {"lang": "en_US", "tz": "UTC", "allowed_company_ids": [admin.company_id.id]},
        )
        write = Writes(env, month, ours).operations()[name]()
        env.flush_all()
        start = time.perf_counter()
        write()
        env.flush_all()
        elapsed = (time.perf_counter() - start) * 1000
        cr.rollback()
    return elapsed


def measure_writes(database, native, month, runs, say):
    """{name: (ours ms, native ms, ours without our triggers ms)}: medians of ``runs``
    runs after a warm-up each; the three taken in turns."""
    import odoo  # noqa: PLC0415

    registries = {
        True: odoo.modules.registry.Registry.new(database),
        False: odoo.modules.registry.Registry.new(native),
    }
    names = list(Writes(None, month, True).operations())
    results = {}
    for name in names:
        sides = ["ours", "native", "untriggered"]
        timings = {side: [] for side in sides}
        for run in range(runs + 1):
            for side in sides if run % 2 else reversed(sides):
                ours, triggers = side != "native", side != "untriggered"
                timings[side].append(
                    _time_once(registries[ours], month, ours, name, triggers=triggers)
                )
                if not triggers:
                    # disabling the triggers made every connection plan our functions
                    # again: one write untimed, so that the next is planned as usual
                    _time_once(registries[ours], month, ours, name)
        results[name] = tuple(statistics.median(timings[side][1:]) for side in sides)
        say(f"  {name}: " + ", ".join(f"{ms:.0f} ms" for ms in results[name]))
    return results


def print_writes(results, limit=1.3):
    """Print the writes' costs; whether each is within ``limit`` of Odoo's alone."""
    print(
        f"Writes: with PostProduction vs uninstalled (target <= {limit}x), and what the "
        "dashboard's triggers add (vs the same writes with them disabled):"
    )
    ok = True
    for name, (ours, native, untriggered) in results.items():
        ratio = ours / native if native else float("inf")
        ok = ok and ratio <= limit
        print(
            f"  {name}: {ours:.1f} ms vs {native:.1f} ms, {ratio:.2f}x; "
            f"triggers {ours - untriggered:+.1f} ms ({ours / untriggered:.2f}x)"
        )
    return ok
