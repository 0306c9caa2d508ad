"""Safe to install in a live company: a real two-step installation.

A company runs Odoo without PostProduction: it sells consultant days and support hours
invoiced from timesheets, logs timesheets over August, September and October 2026, and
invoices September with Odoo's own *Create invoice* (timesheets of a period). Then it
installs PostProduction on that database, as a server in production would
(``-i postproduction``), and keeps working: someone logs the next timesheet, and the
accountant invoices what remains the native way.

Nothing the company recorded may move: every order line's delivered, invoiced and to
invoice quantities and amounts, every invoice, every timesheet's invoice; the next
timesheet moves its own line by exactly its hours; the next months invoice to the cent.

Everything goes through real Odoo on a real database (no mocks): the installations in
subprocesses (``python3 -m odoo server -i ...``), the company's work through the ORM in
this process, committed like any request. Run: ``scripts/dev.sh live-install``.
"""

import json
import os
import sys
import threading
import time
import traceback
from decimal import ROUND_HALF_UP, Decimal

import pytest

from odoo import Command
from odoo.service.model import retrying

BASE_MODULES = "sale_timesheet,sale_expense,project_purchase,sale_management"
NO_DEMO = "--without-demo=all"
CENT = 0.005  # two amounts or quantities are the same to the cent

DAY_PRICE = 612.35
HOUR_PRICE = 87.45
PRICES = {"days": DAY_PRICE, "hours": HOUR_PRICE}
HOURS_PER_DAY = 8.0  # Odoo's Days unit (uom.product_uom_day) against its Hours

# The company's timesheets before PostProduction: (consultant, order line, date, hours).
# Alice works on the line sold in days, Bob on the line sold in hours.
HISTORY = [
    ("alice", "days", "2026-08-03", 8.0),
    ("alice", "days", "2026-08-04", 8.0),
    ("alice", "days", "2026-08-05", 8.0),
    ("alice", "days", "2026-08-06", 2.0),
    ("bob", "hours", "2026-08-10", 3.5),
    ("bob", "hours", "2026-08-31", 2.25),
    ("alice", "days", "2026-09-01", 8.0),
    ("alice", "days", "2026-09-08", 8.0),
    ("alice", "days", "2026-09-09", 8.0),
    ("alice", "days", "2026-09-30", 6.0),
    ("bob", "hours", "2026-09-01", 7.5),
    ("bob", "hours", "2026-09-15", 1.75),
    ("bob", "hours", "2026-09-30", 4.0),
    ("alice", "days", "2026-10-01", 8.0),
    ("alice", "days", "2026-10-02", 8.0),
    ("bob", "hours", "2026-10-05", 5.25),
]
# The first timesheet logged after the installation, by Alice herself.
NEW_TIMESHEET = ("alice", "days", "2026-10-06", 6.0)

SEPTEMBER = ("2026-09-01", "2026-09-30")
OCTOBER = ("2026-10-01", "2026-10-31")
INVOICE_DATES = {"september": "2026-10-05", "october": "2026-11-04", "rest": "2026-11-05"}

LINE_FIELDS = (
    "qty_delivered",
    "qty_invoiced",
    "qty_to_invoice",
    "untaxed_amount_to_invoice",
    "untaxed_amount_invoiced",
    "invoice_status",
)


# ---------------------------------------------------------------------- expectations
def quantity(line, hours):
    """Hours of timesheets in the unit of the order line."""
    return hours / HOURS_PER_DAY if line == "days" else hours


def quantities(entries, start=None, end=None):
    """{order line: quantity} of the timesheets of ``[start, end]``."""
    result = {"days": 0.0, "hours": 0.0}
    for _employee, line, day, hours in entries:
        if (start is None or day >= start) and (end is None or day <= end):
            result[line] += quantity(line, hours)
    return result


def cents(value):
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def amount(line_quantities):
    """Untaxed amount of an invoice of these quantities: each line rounded to the cent."""
    return float(
        sum(
            (
                cents(Decimal(str(qty)) * Decimal(str(PRICES[line])))
                for line, qty in line_quantities.items()
                if qty
            ),
            Decimal(0),
        )
    )


def differences(before, after, path=""):
    """What changed between two snapshots, one readable line per value (to the cent)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append(f"{where}: {before[key]!r} -> (gone)")
            elif key not in before:
                out.append(f"{where}: (none) -> {after[key]!r}")
            else:
                out += differences(before[key], after[key], where)
        return out
    numbers = (int, float)
    if (
        isinstance(before, numbers)
        and isinstance(after, numbers)
        and not isinstance(before, bool)
        and not isinstance(after, bool)
    ):
        return [] if abs(before - after) < CENT else [f"{path}: {before} -> {after}"]
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def assert_same(before, after, what):
    diffs = differences(before, after)
    assert not diffs, f"{what}: {len(diffs)} value(s) changed\n  " + "\n  ".join(diffs)


# ---------------------------------------------------------------------- the company's work
def build_history(env):
    """A customer, a project, two services invoiced from timesheets (Days and Hours), a
    confirmed order, consultants, three months of timesheets and September invoiced with
    Odoo's own wizard. Returns the ids the checks need."""
    customer = env["res.partner"].create(
        {"name": "Atelier Lumière", "is_company": True, "email": "billing@lumiere.example"}
    )
    project = env["project.project"].create(
        {
            "name": "Lumière ERP rollout",
            "partner_id": customer.id,
            "allow_billable": True,
            "allow_timesheets": True,
            "privacy_visibility": "employees",
        }
    )
    products = {}
    for key, name, uom_xmlid in (
        ("days", "Consultant day (live)", "uom.product_uom_day"),
        ("hours", "Support hour (live)", "uom.product_uom_hour"),
    ):
        uom = env.ref(uom_xmlid)
        products[key] = env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "invoice_policy": "delivery",
                "service_type": "timesheet",
                "service_tracking": "task_global_project",
                "project_id": project.id,
                "uom_id": uom.id,
                "uom_po_id": uom.id,
                "list_price": PRICES[key],
                "taxes_id": [Command.clear()],
            }
        )
        assert products[key].service_policy == "delivered_timesheet"
    consultant = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Alice Martin",
                "login": "alice.live",
                "email": "alice@company.example",
                "groups_id": [
                    Command.set(
                        [
                            env.ref("base.group_user").id,
                            env.ref("hr_timesheet.group_hr_timesheet_user").id,
                        ]
                    )
                ],
            }
        )
    )
    employees = {
        "alice": env["hr.employee"].create(
            {"name": "Alice Martin", "user_id": consultant.id, "hourly_cost": 55.0}
        ),
        "bob": env["hr.employee"].create({"name": "Bob Durand", "hourly_cost": 48.0}),
    }
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "client_order_ref": "LUM-2026-07",
            "order_line": [
                Command.create(
                    {
                        "product_id": products["days"].id,
                        "product_uom_qty": 20.0,
                        "price_unit": DAY_PRICE,
                    }
                ),
                Command.create(
                    {
                        "product_id": products["hours"].id,
                        "product_uom_qty": 40.0,
                        "price_unit": HOUR_PRICE,
                    }
                ),
            ],
        }
    )
    order.action_confirm()
    lines = {
        key: order.order_line.filtered(lambda sol, p=product: sol.product_id == p)
        for key, product in products.items()
    }
    assert lines["days"].product_uom == env.ref("uom.product_uom_day")
    assert all(line.task_id for line in lines.values()), "confirming the order made no tasks"
    timesheets = env["account.analytic.line"].create(
        [
            {
                "name": f"{line} work",
                "project_id": project.id,
                "task_id": lines[line].task_id.id,
                "employee_id": employees[employee].id,
                "so_line": lines[line].id,
                "unit_amount": hours,
                "date": day,
            }
            for employee, line, day, hours in HISTORY
        ]
    )
    september = invoice_the_native_way(env, order, *SEPTEMBER, INVOICE_DATES["september"])
    return {
        "order": order.id,
        "project": project.id,
        "consultant": consultant.id,
        "lines": {key: line.id for key, line in lines.items()},
        "timesheets": timesheets.ids,
        "invoices": {"september": september.id},
    }


def invoice_the_native_way(env, order, start, end, invoice_date):
    """Odoo's *Create invoice* on the order: regular invoice of the delivered quantities,
    for the timesheets of ``[start, end]`` (all of them without dates); posts it."""
    existing = order.invoice_ids
    wizard = (
        env["sale.advance.payment.inv"]
        .with_context(active_model="sale.order", active_ids=order.ids, active_id=order.id)
        .create(
            {
                "advance_payment_method": "delivered",
                "date_start_invoice_timesheet": start,
                "date_end_invoice_timesheet": end,
            }
        )
    )
    wizard.create_invoices()
    invoice = order.invoice_ids - existing
    assert len(invoice) == 1, f"the wizard made {len(invoice)} invoices"
    invoice.invoice_date = invoice_date
    invoice.action_post()
    return invoice


def snapshot(env, ids):
    """Every order line's quantities, every invoice of the order and every timesheet of
    the project, as plain values keyed by readable names."""
    order = env["sale.order"].browse(ids["order"])
    line_keys = {line_id: key for key, line_id in ids["lines"].items()}
    lines = {key: env["sale.order.line"].browse(line_id) for key, line_id in ids["lines"].items()}
    invoices = {}
    for invoice in order.invoice_ids.sorted("id"):
        invoices[invoice.name] = {
            "move_type": invoice.move_type,
            "state": invoice.state,
            "payment_state": invoice.payment_state,
            "invoice_date": str(invoice.invoice_date),
            "amount_untaxed": invoice.amount_untaxed,
            "amount_total": invoice.amount_total,
            "lines": {
                line_keys.get(aml.sale_line_ids[:1].id, str(aml.id)): {
                    "quantity": aml.quantity,
                    "uom": aml.product_uom_id.name,
                    "price_unit": aml.price_unit,
                    "price_subtotal": aml.price_subtotal,
                }
                for aml in invoice.invoice_line_ids.filtered(
                    lambda aml: aml.display_type == "product"
                )
            },
        }
    timesheets = env["account.analytic.line"].search(
        [("project_id", "=", ids["project"])], order="id"
    )
    return {
        "lines": {key: {f: line[f] for f in LINE_FIELDS} for key, line in lines.items()},
        "invoices": invoices,
        "timesheets": {
            str(t.id): {
                "date": str(t.date),
                "employee": t.employee_id.name,
                "unit_amount": t.unit_amount,
                "so_line": line_keys.get(t.so_line.id, t.so_line.id),
                "timesheet_invoice_id": t.timesheet_invoice_id.name or False,
            }
            for t in timesheets
        },
    }


def attempt(step):
    """Run a step of the company's work; its error, if any, is the tests' to report."""
    try:
        return {"result": step(), "error": None}
    except Exception as exc:  # any failure is a finding of the tests
        lines = traceback.format_exception_only(type(exc), exc)
        return {
            "result": None,
            "error": "".join(lines).strip(),
            "traceback": traceback.format_exc(),
        }


def require(step, what):
    if step["error"]:
        pytest.fail(f"{what} failed:\n{step['error']}", pytrace=False)
    return step["result"]


def save(live, name, data):
    (live.logs / f"{name}.json").write_text(
        json.dumps(data, indent=2, default=str, ensure_ascii=False)
    )


# ---------------------------------------------------------------------- the steps
@pytest.fixture(scope="module")
def live_db(live_odoo, request):
    """Step 1: a company database with Odoo's timesheet invoicing, no PostProduction."""
    live_odoo.drop()
    request.addfinalizer(lambda: keep_or_drop(live_odoo))
    live_odoo.install(BASE_MODULES, NO_DEMO)
    return live_odoo


def keep_or_drop(live):
    if os.environ.get("PP_KEEP_DB"):
        sys.stderr.write(f"\n[live install] database {live.db} kept (PP_KEEP_DB)\n")
    else:
        live.drop()


@pytest.fixture(scope="module")
def history(live_db):
    """The company's history, built and committed through Odoo's ORM, and its snapshot."""
    with live_db.env() as env:
        ids = build_history(env)
    with live_db.env(commit=False) as env:
        before = snapshot(env, ids)
    save(live_db, "1-before-install", before)
    return {"ids": ids, "before": before}


@pytest.fixture(scope="module")
def installed(live_db, history):
    """Step 2: ``-i postproduction`` on the company's database; what it left, as stored,
    then as Odoo recomputes it."""
    live_db.install("postproduction", NO_DEMO)
    ids = history["ids"]
    with live_db.env(commit=False) as env:
        after = snapshot(env, ids)
        timesheets = env["account.analytic.line"].browse(ids["timesheets"])
        lines = env["sale.order.line"].browse(list(ids["lines"].values()))
        fields = env["account.analytic.line"]._fields
        approval = (
            {str(t.id): t.approval_state for t in timesheets}
            if "approval_state" in fields
            else "no field approval_state on account.analytic.line"
        )
        # The timesheets the order lines' delivered quantity counts: Odoo's own hook
        # (sale_timesheet), which PostProduction extends.
        counted = env["account.analytic.line"].search(
            [*lines._timesheet_compute_delivered_quantity_domain(), ("id", "in", timesheets.ids)]
        )
    with live_db.env(commit=False) as env:
        # What the next recomputation of the lines (a timesheet logged, an invoice, an
        # upgrade) will store: the same computations Odoo triggers, forced now, rolled back.
        lines = env["sale.order.line"].browse(list(ids["lines"].values()))
        for fname in ("qty_delivered", "qty_to_invoice", "untaxed_amount_to_invoice"):
            env.add_to_compute(lines._fields[fname], lines)
            lines.mapped(fname)
        line_keys = {line_id: key for key, line_id in ids["lines"].items()}
        recomputed = {
            line_keys[line.id]: {
                f: line[f] for f in ("qty_delivered", "qty_to_invoice", "untaxed_amount_to_invoice")
            }
            for line in lines
        }
    save(
        live_db,
        "2-after-install",
        {"stored": after, "recomputed": recomputed, "approval": approval},
    )
    return {
        "after": after,
        "approval": approval,
        "counted": set(counted.ids),
        "recomputed": recomputed,
    }


@pytest.fixture(scope="module")
def next_timesheet(live_db, history, installed):
    """Alice logs her next timesheet (October) as she always did; if the installation
    asks timesheets to be approved before they count, it goes through that workflow:
    she submits it, a validator validates it."""
    ids = history["ids"]
    _employee, line, day, hours = NEW_TIMESHEET
    state = {"workflow": []}

    def log():
        with live_db.env(user=ids["consultant"]) as env:
            task = env["sale.order.line"].sudo().browse(ids["lines"][line]).task_id
            timesheet = env["account.analytic.line"].create(
                {
                    "name": "Data migration workshop",
                    "project_id": ids["project"],
                    "task_id": task.id,
                    "date": day,
                    "unit_amount": hours,
                }
            )
            state["id"] = timesheet.id
        with live_db.env(commit=False) as env:
            state["logged"] = snapshot(env, ids)
            timesheet = env["account.analytic.line"].browse(state["id"])
            lines = env["sale.order.line"].browse(list(ids["lines"].values()))
            counted = env["account.analytic.line"].search_count(
                [*lines._timesheet_compute_delivered_quantity_domain(), ("id", "=", timesheet.id)]
            )
            approval = (
                timesheet["approval_state"] if "approval_state" in timesheet._fields else None
            )
        if not counted and approval in ("draft", "refused"):
            with live_db.env(user=ids["consultant"]) as env:
                env["account.analytic.line"].browse(state["id"]).action_submit()
                state["workflow"].append("submitted by Alice")
            with live_db.env() as env:
                env["account.analytic.line"].browse(state["id"]).action_validate()
                state["workflow"].append("validated by a validator")
        with live_db.env(commit=False) as env:
            state["counted"] = snapshot(env, ids)
        return state

    step = attempt(log)
    save(live_db, "3-next-timesheet", step)
    return step


@pytest.fixture(scope="module")
def october_invoice(live_db, history, next_timesheet):
    """The accountant invoices October with Odoo's own *Create invoice*."""
    ids = history["ids"]

    def invoice():
        with live_db.env() as env:
            order = env["sale.order"].browse(ids["order"])
            move = invoice_the_native_way(env, order, *OCTOBER, INVOICE_DATES["october"])
            name = move.name
        with live_db.env(commit=False) as env:
            return {"name": name, "after": snapshot(env, ids)}

    step = attempt(invoice)
    save(live_db, "4-october-invoice", step)
    return step


@pytest.fixture(scope="module")
def remaining_invoice(live_db, history, october_invoice):
    """Then everything that remains (August), without dates, the native way."""
    ids = history["ids"]

    def invoice():
        with live_db.env() as env:
            order = env["sale.order"].browse(ids["order"])
            move = invoice_the_native_way(env, order, False, False, INVOICE_DATES["rest"])
            name = move.name
        with live_db.env(commit=False) as env:
            return {"name": name, "after": snapshot(env, ids)}

    step = attempt(invoice)
    save(live_db, "5-remaining-invoice", step)
    return step


# ---------------------------------------------------------------------- before the install
def test_history_is_invoiced_with_odoo_alone(history):
    """The test's own ground: the company invoiced September from its timesheets."""
    before = history["before"]
    delivered = quantities(HISTORY)
    invoiced = quantities(HISTORY, *SEPTEMBER)
    for line in ("days", "hours"):
        values = before["lines"][line]
        assert values["qty_delivered"] == pytest.approx(delivered[line], abs=CENT)
        assert values["qty_invoiced"] == pytest.approx(invoiced[line], abs=CENT)
        assert values["qty_to_invoice"] == pytest.approx(delivered[line] - invoiced[line], abs=CENT)
    (september,) = before["invoices"].values()
    assert september["state"] == "posted"
    assert september["amount_total"] == pytest.approx(amount(invoiced), abs=CENT)
    billed = {key for key, t in before["timesheets"].items() if t["timesheet_invoice_id"]}
    expected = {
        str(tid)
        for tid, (_e, _l, day, _h) in zip(history["ids"]["timesheets"], HISTORY, strict=True)
        if SEPTEMBER[0] <= day <= SEPTEMBER[1]
    }
    assert billed == expected


# ---------------------------------------------------------------------- the install
def test_install_changes_no_delivered_quantity(history, installed):
    before = {k: v["qty_delivered"] for k, v in history["before"]["lines"].items()}
    after = {k: v["qty_delivered"] for k, v in installed["after"]["lines"].items()}
    assert_same(before, after, "delivered quantities after -i postproduction")


def test_install_changes_no_invoiced_or_to_invoice_quantity(history, installed):
    assert_same(history["before"]["lines"], installed["after"]["lines"], "order lines")


def test_install_changes_no_invoice(history, installed):
    assert_same(history["before"]["invoices"], installed["after"]["invoices"], "invoices")


def test_install_keeps_every_timesheet_on_its_line_and_invoice(history, installed):
    assert_same(history["before"]["timesheets"], installed["after"]["timesheets"], "timesheets")


def test_install_keeps_every_timesheet_billable(history, installed):
    """Each pre-existing timesheet has an approval state that keeps it counted in its
    line's delivered quantity (Odoo's delivered-quantity domain, as PostProduction
    extends it)."""
    approval = installed["approval"]
    assert isinstance(approval, dict), approval
    ids = history["ids"]["timesheets"]
    dropped = [
        f"timesheet {tid} of {history['before']['timesheets'][str(tid)]['date']} "
        f"(approval_state={approval[str(tid)]!r})"
        for tid in ids
        if tid not in installed["counted"]
    ]
    assert not dropped, (
        f"{len(dropped)} of {len(ids)} timesheets no longer count in the delivered "
        f"quantities:\n  " + "\n  ".join(dropped)
    )


def test_install_quantities_survive_recomputation(history, installed):
    """What Odoo stores the next time it recomputes the lines (any timesheet, invoice or
    upgrade triggers it) is what the company had."""
    before = {
        key: {f: values[f] for f in installed["recomputed"][key]}
        for key, values in history["before"]["lines"].items()
    }
    assert_same(before, installed["recomputed"], "order lines recomputed after -i postproduction")


# ---------------------------------------------------------------------- the next timesheet
def test_next_timesheet_lands_on_its_order_line(next_timesheet):
    state = require(next_timesheet, "Logging the next timesheet")
    new = state["counted"]["timesheets"][str(state["id"])]
    assert new["so_line"] == NEW_TIMESHEET[1]
    assert new["employee"] == "Alice Martin"
    assert new["timesheet_invoice_id"] is False


def test_next_timesheet_changes_only_its_line(history, next_timesheet):
    """Logging it (and approving it, where the installation asks for it) moves nothing
    but its own line's quantities to invoice: not the other line, not an invoice, not
    another timesheet."""
    state = require(next_timesheet, "Logging the next timesheet")
    before = history["before"]
    own = NEW_TIMESHEET[1]
    moving = {"qty_delivered", "qty_to_invoice", "untaxed_amount_to_invoice"}
    for moment in ("logged", "counted"):
        after = state[moment]
        lines_before = {
            k: {f: v for f, v in values.items() if k != own or f not in moving}
            for k, values in before["lines"].items()
        }
        lines_after = {
            k: {f: v for f, v in values.items() if k != own or f not in moving}
            for k, values in after["lines"].items()
        }
        assert_same(lines_before, lines_after, f"order lines once the timesheet is {moment}")
        assert_same(
            before["invoices"], after["invoices"], f"invoices once the timesheet is {moment}"
        )
        others = {k: v for k, v in after["timesheets"].items() if k != str(state["id"])}
        assert_same(
            before["timesheets"], others, f"other timesheets once the timesheet is {moment}"
        )
    # Logged, it counts at once, or (awaiting approval) not yet: never anything else.
    added = quantity(own, NEW_TIMESHEET[3])
    was = before["lines"][own]["qty_delivered"]
    logged = state["logged"]["lines"][own]["qty_delivered"]
    assert min(abs(logged - was), abs(logged - was - added)) < CENT, (
        f"logging {NEW_TIMESHEET[3]}h took the {own} line's delivered quantity from {was} "
        f"to {logged} (expected {was} + {added}, or {was} until it is approved)"
    )


def test_next_timesheet_counts_exactly_its_hours(history, next_timesheet):
    state = require(next_timesheet, "Logging the next timesheet")
    own = NEW_TIMESHEET[1]
    added = quantity(own, NEW_TIMESHEET[3])
    before = history["before"]["lines"][own]
    after = state["counted"]["lines"][own]
    workflow = ", ".join(state["workflow"]) or "no approval needed"
    assert after["qty_delivered"] == pytest.approx(before["qty_delivered"] + added, abs=CENT), (
        workflow
    )
    assert after["qty_to_invoice"] == pytest.approx(before["qty_to_invoice"] + added, abs=CENT), (
        workflow
    )
    expected_amount = amount({own: after["qty_delivered"] - after["qty_invoiced"]})
    assert after["untaxed_amount_to_invoice"] == pytest.approx(expected_amount, abs=CENT), workflow


# ---------------------------------------------------------------------- the next months
def test_next_month_invoices_natively_to_the_cent(october_invoice):
    done = require(october_invoice, "Invoicing October with Odoo's Create invoice")
    invoice = done["after"]["invoices"][done["name"]]
    october = quantities([*HISTORY, NEW_TIMESHEET], *OCTOBER)
    assert invoice["state"] == "posted"
    assert invoice["amount_untaxed"] == pytest.approx(amount(october), abs=CENT), invoice
    assert invoice["amount_total"] == pytest.approx(amount(october), abs=CENT), invoice
    assert {k: line["quantity"] for k, line in invoice["lines"].items()} == pytest.approx(
        october, abs=CENT
    )


def test_next_month_invoice_bills_exactly_its_timesheets(history, next_timesheet, october_invoice):
    state = require(next_timesheet, "Logging the next timesheet")
    done = require(october_invoice, "Invoicing October with Odoo's Create invoice")
    september = history["before"]["invoices"]
    (september_name,) = september
    entries = {
        str(tid): day
        for tid, (_e, _l, day, _h) in zip(history["ids"]["timesheets"], HISTORY, strict=True)
    }
    entries[str(state["id"])] = NEW_TIMESHEET[2]
    expected = {
        tid: (
            september_name
            if day.startswith("2026-09")
            else done["name"]
            if day.startswith("2026-10")
            else False
        )
        for tid, day in entries.items()
    }
    billed = {tid: t["timesheet_invoice_id"] for tid, t in done["after"]["timesheets"].items()}
    assert_same(
        expected, billed, "timesheets' invoices after invoicing October (expected -> actual)"
    )
    assert_same(
        september,
        {k: v for k, v in done["after"]["invoices"].items() if k == september_name},
        "September's invoice",
    )


def test_remaining_month_invoices_natively_to_the_cent(remaining_invoice):
    done = require(remaining_invoice, "Invoicing what remains (August) with Odoo's Create invoice")
    invoice = done["after"]["invoices"][done["name"]]
    august = quantities(HISTORY, "2026-08-01", "2026-08-31")
    assert invoice["state"] == "posted"
    assert invoice["amount_total"] == pytest.approx(amount(august), abs=CENT), invoice
    assert {k: line["quantity"] for k, line in invoice["lines"].items()} == pytest.approx(
        august, abs=CENT
    )


def test_order_ends_fully_invoiced(remaining_invoice):
    done = require(remaining_invoice, "Invoicing what remains (August) with Odoo's Create invoice")
    everything = quantities([*HISTORY, NEW_TIMESHEET])
    for line, values in done["after"]["lines"].items():
        assert values["qty_delivered"] == pytest.approx(everything[line], abs=CENT), line
        assert values["qty_invoiced"] == pytest.approx(everything[line], abs=CENT), line
        assert values["qty_to_invoice"] == pytest.approx(0.0, abs=CENT), line
        assert values["untaxed_amount_to_invoice"] == pytest.approx(0.0, abs=CENT), line
    total = sum(i["amount_total"] for i in done["after"]["invoices"].values())
    months = [
        quantities([*HISTORY, NEW_TIMESHEET], f"2026-{m}-01", f"2026-{m}-31")
        for m in ("08", "09", "10")
    ]
    assert total == pytest.approx(sum(amount(q) for q in months), abs=CENT)


# ---------------------------------------------------------------------- approval at install
def test_install_records_who_validated_the_history_and_when(live_db, history, installed):
    with live_db.env(commit=False) as env:
        timesheets = env["account.analytic.line"].browse(history["ids"]["timesheets"])
        assert set(timesheets.mapped("approval_state")) == {"validated"}
        assert timesheets.approval_user_id, "the installer is recorded"
        assert all(timesheets.mapped("approval_date"))


def test_switching_validated_only_on_keeps_every_quantity(live_db, history, remaining_invoice):
    """The company starts invoicing validated timesheets only: nothing delivered before
    stops counting (rolled back, so that the next tests see the company as it was)."""
    with live_db.env(commit=False) as env:
        lines = env["sale.order.line"].browse(list(history["ids"]["lines"].values()))
        before = {line.id: (line.qty_delivered, line.qty_to_invoice) for line in lines}
        env.company.postproduction_validated_timesheets_only = True
        env.flush_all()
        lines.invalidate_recordset()
        after = {line.id: (line.qty_delivered, line.qty_to_invoice) for line in lines}
        assert after == pytest.approx(before, abs=CENT)


# ---------------------------------------------------------------------- two cursors at once
NOVEMBER = "2026-11-01"


def build_postproduction_orders(env, count):
    """``count`` monthly orders of PostProduction, each with a project, a delivery of
    Bob at 500 a day and two days of November timesheets. Returns the order ids."""
    customer = env["res.partner"].create({"name": "Concurrent customer", "is_company": True})
    bob = env["hr.employee"].search([("name", "=", "Bob Durand")], limit=1)
    orders = env["sale.order"]
    for index in range(count):
        project = env["project.project"].create(
            {"name": f"Concurrent project {index}", "partner_id": customer.id,
             "allow_billable": True, "allow_timesheets": True}
        )  # fmt: skip
        order = env["sale.order"].create({"partner_id": customer.id})
        order.action_confirm()
        delivery = env["postproduction.delivery"].create(
            {"project_id": project.id, "employee_id": bob.id, "date_start": NOVEMBER,
             "date_end": "2026-12-31", "daily_rate": 500.0,
             "sale_order_ids": [Command.set(order.ids)]}
        )  # fmt: skip
        delivery.action_confirm()
        env["account.analytic.line"].create(
            [
                {"name": "Work", "project_id": project.id, "employee_id": bob.id,
                 "date": day, "unit_amount": 8.0}
                for day in ("2026-11-02", "2026-11-03")
            ]
        )  # fmt: skip
        orders |= order
    return orders.ids


def generate_in_thread(live, order_ids, started, release, results, name, day="2026-12-01"):
    """Generate November for ``order_ids`` on a cursor of this thread. With ``release``,
    the transaction stays open until it is set, then commits; without, the call goes as
    Odoo serves an RPC call: tried again on a serialization failure, then committed."""

    def generate(env):
        run = env["postproduction.invoice.run"].generate(
            NOVEMBER, invoice_date=day, domain=[("order_id", "in", order_ids)]
        )
        return {
            "lines": [(line.order_id.id, line.result, line.reason) for line in run.line_ids],
            "numbers": run.move_ids.mapped("proforma_number"),
            "state": run.state,
        }

    try:
        with live.env() as env:
            if release is None:
                results[name] = retrying(lambda: generate(env), env)
                started.set()
            else:
                results[name] = generate(env)
                started.set()
                release.wait(300)  # longer than the test waits for anything else
    except Exception as error:  # reported to the test
        results[name] = {"error": repr(error)}
        started.set()


@pytest.fixture(scope="module")
def concurrent_orders(live_db, remaining_invoice):
    with live_db.env() as env:
        return build_postproduction_orders(env, 3)


def test_two_runs_on_the_same_orders_at_once_bill_each_once(live_db, concurrent_orders):
    first_orders, _rest = concurrent_orders[:2], concurrent_orders[2:]
    results, release = {}, threading.Event()
    started = [threading.Event(), threading.Event()]
    first = threading.Thread(
        target=generate_in_thread, args=(live_db, first_orders, started[0], release, results, "a")
    )
    first.start()
    assert started[0].wait(120), "the first run did not get through"
    second = threading.Thread(
        target=generate_in_thread, args=(live_db, first_orders, started[1], None, results, "b")
    )
    second.start()
    assert started[1].wait(120), "the second run waited for the first"
    # the dashboard answers while the first run holds its transaction
    with live_db.env() as env:
        env.cr.execute("SET LOCAL statement_timeout = '20s'")
        rows = env["postproduction.turnover"].search_read(
            [("period", "=", NOVEMBER), ("order_id", "in", first_orders)], ["status"]
        )
    assert len(rows) == len(first_orders) and all(row["id"] < 2**31 for row in rows), rows
    release.set()
    first.join(120)
    second.join(120)
    assert "error" not in results["a"] and "error" not in results["b"], results
    assert {result for _o, result, _r in results["a"]["lines"]} == {"generated"}
    assert {result for _o, result, _r in results["b"]["lines"]} == {"skipped"}
    assert all("another run" in reason for _o, _r, reason in results["b"]["lines"]), results
    with live_db.env(commit=False) as env:
        for order in env["sale.order"].browse(first_orders):
            invoices = order.invoice_ids.filtered(lambda m: m.state != "cancel")
            assert len(invoices) == 1, order.name
            assert invoices.amount_untaxed == pytest.approx(1000.0, abs=CENT)


def rows_differing(env, table="postproduction_turnover"):
    """How many rows of ``table`` (the rows read, or those kept) differ from the view's."""
    env.cr.execute(
        f"""SELECT (SELECT COUNT(*) FROM (SELECT * FROM {table} EXCEPT ALL
                                          SELECT * FROM postproduction_turnover_live) a)
                 + (SELECT COUNT(*) FROM (SELECT * FROM postproduction_turnover_live EXCEPT ALL
                                          SELECT * FROM {table}) b)"""
    )
    return env.cr.fetchone()[0]


def test_writers_and_the_fold_at_once_never_wait_and_keep_the_rows_right(
    live_db, concurrent_orders
):
    """Two consultants log time on the same project and month while the dashboard's
    cron folds the marks: nobody waits for anybody (a lock timeout of 3 s on each), and
    the marks of the writes the fold did not see stay for the next fold."""
    with live_db.env() as env:
        project = env["project.project"].search([("name", "=", "Concurrent project 0")])
        employees = env["hr.employee"].create([{"name": "Carol"}, {"name": "Dan"}])
        env["postproduction.turnover"]._fold_marks()
        employee_ids = employees.ids
    with live_db.env() as first, live_db.env() as second, live_db.env() as fold:
        for env in (first, second, fold):
            env.cr.execute("SET LOCAL lock_timeout = '3s'")
        for env, employee_id in zip((first, second), employee_ids, strict=True):
            env["account.analytic.line"].create(
                {"name": "At once", "project_id": project.id, "employee_id": employee_id,
                 "date": "2026-11-05", "unit_amount": 8.0}
            )  # fmt: skip
            env.flush_all()
        # the fold commits first (the innermost context): it sees neither write
        fold["postproduction.turnover"]._fold_marks()
    with live_db.env(commit=False) as env:
        env.cr.execute(
            "SELECT COUNT(*) FROM postproduction_turnover_dirty "
            "WHERE project_id = %s AND period = %s",
            [project.id, NOVEMBER],
        )
        assert env.cr.fetchone()[0] == 2  # one mark per write, both kept
        assert rows_differing(env) == 0
        rows = env["postproduction.turnover"].search(
            [("period", "=", NOVEMBER), ("project_id", "=", project.id)]
        )
        states = ("draft", "submitted", "validated", "refused")
        counted = sum(sum(rows.mapped(f"timesheet_{state}_count")) for state in states)
        assert counted == 4  # Bob's two days, and the two written at once
        env["postproduction.turnover"]._fold_marks()
        assert rows_differing(env, "postproduction_turnover_stored") == 0


def test_a_run_waits_for_the_pro_forma_numbers_another_run_holds(live_db, concurrent_orders):
    """Two runs on other orders, the first ones numbered in 2027: the second waits for
    the first's numbers (and for the year's numbering it creates), never fails on the
    sequence, and takes the next number."""
    first_orders, other = concurrent_orders[:2], concurrent_orders[2:]
    with live_db.env() as env:
        env["account.move"].search(
            [("invoice_line_ids.sale_line_ids.order_id", "in", first_orders)]
        ).button_cancel()
    results, release = {}, threading.Event()
    started = [threading.Event(), threading.Event()]
    first = threading.Thread(
        target=generate_in_thread,
        args=(live_db, first_orders, started[0], release, results, "a", "2027-01-04"),
    )
    first.start()
    assert started[0].wait(120)
    second = threading.Thread(
        target=generate_in_thread,
        args=(live_db, other, started[1], None, results, "b", "2027-01-04"),
    )
    second.start()
    time.sleep(2)
    assert not started[1].is_set(), "the second run should wait for the numbers"
    release.set()
    first.join(120)
    assert started[1].wait(120)
    second.join(120)
    assert "error" not in results["b"], results
    assert {result for _o, result, _r in results["b"]["lines"]} == {"generated"}, results
    numbers = sorted(results["a"]["numbers"] + results["b"]["numbers"])
    assert numbers == ["PF/2027/00001", "PF/2027/00002", "PF/2027/00003"], numbers


# ---------------------------------------------------------------------- uninstall
CATALOG_OF_OURS = """
    SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgname LIKE 'postproduction%%'
    UNION ALL
    SELECT 'function ' || proname FROM pg_proc WHERE proname LIKE 'postproduction%%'
    UNION ALL
    SELECT 'relation (' || relkind::text || ') ' || relname FROM pg_class
     WHERE relname LIKE 'postproduction%%'
    UNION ALL
    SELECT 'column ' || table_name || '.' || column_name FROM information_schema.columns
     WHERE table_schema = 'public'
       AND (column_name LIKE 'postproduction%%'
            OR (table_name = 'account_analytic_line'
                AND column_name IN ('approval_state', 'approval_user_id', 'approval_date'))
            OR (table_name = 'account_move' AND column_name = 'proforma_number'))
    UNION ALL
    SELECT 'sequence record ' || code FROM ir_sequence WHERE code LIKE 'postproduction%%'
"""


@pytest.fixture(scope="module")
def uninstalled(live_db, history, remaining_invoice, concurrent_orders):
    """Step 3: the company uninstalls PostProduction from Apps."""
    with live_db.env() as env:
        env["ir.module.module"].search(
            [("name", "=", "postproduction")]
        ).button_immediate_uninstall()
    live_db.release()
    with live_db.env(commit=False) as env:
        env.cr.execute(CATALOG_OF_OURS)
        left = sorted(row[0] for row in env.cr.fetchall())
        after = snapshot(env, history["ids"])
    return {"left": left, "after": after}


def test_uninstall_leaves_nothing_of_ours_in_the_catalog(uninstalled):
    assert uninstalled["left"] == []


def test_uninstall_changes_no_quantity_or_invoice(remaining_invoice, uninstalled):
    done = require(remaining_invoice, "Invoicing what remains (August) with Odoo's Create invoice")
    assert_same(done["after"]["lines"], uninstalled["after"]["lines"], "order lines")
    assert_same(done["after"]["invoices"], uninstalled["after"]["invoices"], "invoices")
