#!/usr/bin/env python3
"""Benchmark of the invoice generation against Odoo's own invoicing wizard.

    eval "$(scripts/dev.sh pg-start | tail -n 1)"; export TZ=UTC
    python3 scripts/benchmark_generation.py                 # build pp_genbench, measure
    python3 scripts/benchmark_generation.py --orders 200    # a smaller volume
    python3 scripts/benchmark_generation.py --reuse         # measure the built data again
    python3 scripts/benchmark_generation.py --rounds 5      # more rounds (default 3)
    python3 scripts/benchmark_generation.py --reuse --rounds 1 --profile  # where the time goes

Builds a scratch database (``pp_genbench``, copied from the template ``pp_base`` that
holds PostProduction's dependencies, PostProduction installed without demo data) with
1,000 monthly orders ready for one month: one project, one consultant's delivery and ten
validated timesheet days per order (orders and projects through the ORM, deliveries and
timesheets with SQL). It then copies that database twice with ``createdb -T`` so that
both sides run on identical data, and measures each side in its own process, 100 orders
(a run's batch) a turn:

- ours: ``postproduction.invoice.run.generate(month)`` over the turn's orders (one
  invoice per order, pro-forma numbers, billing keys, a result line per row);
- native: ``sale.advance.payment.inv`` in *Regular invoice* mode with the same period
  dates (``date_start_invoice_timesheet`` / ``date_end_invoice_timesheet``), one invoice
  per order (no consolidated billing).

The machine's speed changes from minute to minute (by 10 to 30 % here), so one
measurement of each side decides nothing. Both processes are loaded side by side and take
turns, 100 orders each, the side that begins alternating from one turn to the next, so
that a slower or faster minute falls on both alike; and the sides are measured in rounds
(three by default), each on fresh copies of the same data, the side that begins the round
alternating too. Prints each round (total and per-invoice time, SQL queries per invoice,
peak memory of the measuring process) and its ratio, then the median of each side and the
median ratio. Target: ours <= 1.0x native. The work is rolled back: ``--reuse`` measures
again on the same data.

``--profile`` runs each measure under cProfile (slower: its figures are not the
benchmark's), keeps ``.odoo/profile_<side>.pstats`` and prints the functions whose own
time differs most between the sides.
"""

import argparse
import cProfile
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from benchmark_template import PROTECTED, TEMPLATE, ensure_template, install

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".odoo" / "odoo.conf"
# Last month: an invoice date must be within a year of today (PostProduction refuses
# others), so the data is built for the month before today's.
MONTH = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
MONTH_END = date.today().replace(day=1) - timedelta(days=1)
TIMESHEET_DAYS = 10
CONSULTANTS = 100
ORDERS_PARAMETER = "postproduction.benchmark_orders"


def say(message):
    print(f"[benchmark] {message}", flush=True)


def odoo_env(db):
    """An environment on ``db`` as the administrator (the caller closes the cursor)."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(CONFIG), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    cr = registry.cursor()
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})


def run(*command):
    subprocess.run(command, check=True, cwd=ROOT)


# ---------------------------------------------------------------------------- build


def create_database(db):
    if db in PROTECTED:
        sys.exit(f"Refusing to overwrite database {db}: choose a scratch name.")
    ensure_template(say)
    say(f"copying {TEMPLATE} to {db}, installing postproduction without demo data")
    run("dropdb", "--if-exists", db)
    run("createdb", "-T", TEMPLATE, db)
    install(db, "postproduction")


def generate_data(db, count):
    """``count`` confirmed monthly orders, each with its project, delivery and timesheets."""
    env = odoo_env(db)
    cr = env.cr
    try:
        admin = env.ref("base.user_admin")
        env = env(user=admin.id)
        company = env.company
        company.postproduction_validated_timesheets_only = True
        product = env.ref("postproduction.product_consultant_day")
        day = env.ref("uom.product_uom_day")
        hour = env.ref("uom.product_uom_hour")
        started = time.perf_counter()
        customers = env["res.partner"].create(
            [
                {"name": f"Bench customer {i:03d}", "is_company": True}
                for i in range(count // 10 or 1)
            ]
        )
        employees = env["hr.employee"].create(
            [{"name": f"Bench consultant {i:03d}"} for i in range(CONSULTANTS)]
        )
        projects = env["project.project"]
        orders = env["sale.order"]
        for start in range(0, count, 100):
            indexes = range(start, min(start + 100, count))
            batch = env["project.project"].create(
                [
                    {
                        "name": f"Bench project {i:04d}",
                        "partner_id": customers[i % len(customers)].id,
                        "allow_timesheets": True,
                        "allow_billable": True,
                    }
                    for i in indexes
                ]
            )
            batch_orders = env["sale.order"].create(
                [
                    {
                        "partner_id": project.partner_id.id,
                        "project_id": project.id,
                        "order_line": [
                            (0, 0, {
                                "product_id": product.id,
                                "product_uom": day.id,
                                "product_uom_qty": 20,
                                "price_unit": 400.0 + (i * 37) % 400,
                                "tax_id": [(5,)],
                            })
                        ],
                    }
                    for i, project in zip(indexes, batch, strict=True)
                ]
            )  # fmt: skip
            batch_orders.action_confirm()
            projects |= batch
            orders |= batch_orders
            cr.commit()
            say(f"  {len(orders)} orders")
        for index, (project, order) in enumerate(zip(projects, orders, strict=True)):
            line = order.order_line[:1]
            cr.execute(
                """INSERT INTO postproduction_delivery
                       (name, kind, project_id, company_id, employee_id, product_id, date_start,
                        date_end, daily_rate, planned_days, sale_line_id, state,
                        correlation_status, active, partner_id)
                   VALUES (%s, 'resource', %s, %s, %s, %s, %s, %s, %s, 20, %s, 'ongoing', 'ok',
                           TRUE, %s) RETURNING id""",
                (
                    f"BENCH/{index:05d}", project.id, company.id,
                    employees[index % CONSULTANTS].id, product.id, MONTH, MONTH_END,
                    line.price_unit, line.id, project.partner_id.id,
                ),
            )  # fmt: skip
            cr.execute(
                "INSERT INTO postproduction_delivery_sale_order_rel VALUES (%s, %s)",
                (cr.fetchone()[0], order.id),
            )
        cr.execute(
            """
            INSERT INTO account_analytic_line
                   (name, date, amount, unit_amount, account_id, project_id, employee_id,
                    company_id, currency_id, product_uom_id, so_line, order_id, approval_state,
                    timesheet_invoice_type, category, partner_id, create_uid, write_uid,
                    create_date, write_date)
            SELECT 'Work', %(month)s::date + g.n, -480, 8, p.account_id, d.project_id,
                   d.employee_id, d.company_id, c.currency_id, %(hour)s, d.sale_line_id,
                   sol.order_id, 'validated', 'billable_time', 'other', p.partner_id,
                   1, 1, now(), now()
              FROM postproduction_delivery d
              JOIN project_project p ON p.id = d.project_id
              JOIN res_company c ON c.id = d.company_id
              JOIN sale_order_line sol ON sol.id = d.sale_line_id
             CROSS JOIN generate_series(0, %(days)s - 1) AS g(n)
             WHERE d.name LIKE 'BENCH/%%'
            """,
            {"month": MONTH, "hour": hour.id, "days": TIMESHEET_DAYS},
        )
        lines = orders.order_line
        env.invalidate_all()
        lines._compute_qty_delivered()
        env.flush_all()
        # what the dashboard's cron does within a minute: keep the rows the data changed
        env["postproduction.turnover"]._fold_marks()
        cr.commit()
        say(f"  data built in {time.perf_counter() - started:.0f} s")
        cr.execute(
            "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
            (ORDERS_PARAMETER, json.dumps({"orders": orders.ids, "month": MONTH.isoformat()})),
        )
        cr.commit()
    finally:
        cr.close()
        import odoo  # noqa: PLC0415

        odoo.sql_db.close_db(db)


# ---------------------------------------------------------------------------- measure


#: Orders a side invoices in one turn: a run's batch.
CHUNK = 100
SIDES = ("ours", "native")


def invoice_chunk(env, side, order_ids):
    """Invoice ``order_ids`` the way ``side`` does; the invoices."""
    if side == "ours":
        run = env["postproduction.invoice.run"].generate(
            MONTH, invoice_date=MONTH_END, domain=[("order_id", "in", order_ids)]
        )
        return run.move_ids
    wizard = (
        env["sale.advance.payment.inv"]
        .with_context(active_model="sale.order", active_ids=order_ids)
        .create(
            {
                "advance_payment_method": "delivered",
                "consolidated_billing": False,
                "date_start_invoice_timesheet": MONTH,
                "date_end_invoice_timesheet": MONTH_END,
                "sale_order_ids": [(6, 0, order_ids)],
            }
        )
    )
    return wizard._create_invoices(env["sale.order"].browse(order_ids))


def serve(db, side, profile=False):
    """One side's process: loads Odoo on ``db``, says how many chunks there are, then
    invoices the chunk each line of its input names and answers with its figures (JSON
    lines), all in one transaction rolled back at the end (an empty line)."""
    env = odoo_env(db)
    cr = env.cr
    profiler = cProfile.Profile() if profile else None
    try:
        env = env(user=env.ref("base.user_admin").id)
        built = json.loads(env["ir.config_parameter"].sudo().get_param(ORDERS_PARAMETER))
        if built["month"] != MONTH.isoformat():
            sys.exit(f"{db} holds {built['month'][:7]}: build it again (without --reuse)")
        chunks = [built["orders"][i : i + CHUNK] for i in range(0, len(built["orders"]), CHUNK)]
        env["sale.order"].browse(built["orders"]).mapped("name")  # a running server is warm
        print(json.dumps({"chunks": len(chunks)}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                break
            env.invalidate_all()  # each turn as a request of its own
            queries = cr.sql_log_count
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            moves = invoice_chunk(env, side, chunks[int(line)])
            env.flush_all()
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
            figures = {
                "invoices": len(moves),
                "amount": round(sum(moves.mapped("amount_untaxed")), 2),
                "seconds": elapsed,
                "queries": cr.sql_log_count - queries,
            }
            print(json.dumps(figures), flush=True)
        if profiler:
            profiler.dump_stats(profile_path(side))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"peak_rss_mb": rss}), flush=True)
        cr.rollback()
    finally:
        cr.close()


class Worker:
    """A side's process (``serve``), asked one chunk at a time."""

    def __init__(self, db, side, profile):
        command = [sys.executable, __file__, "--serve", side, "--db", db]
        self.process = subprocess.Popen(
            command + (["--profile"] if profile else []),
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )

    def ask(self, line=None):
        """Send ``line`` (none: only read), return the next JSON answer."""
        if line is not None:
            self.process.stdin.write(f"{line}\n")
            self.process.stdin.flush()
        for answer in self.process.stdout:
            if answer.startswith("{"):
                return json.loads(answer)
        sys.exit(f"the {self.process.args[3]} process stopped (exit {self.process.wait()})")

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def profile_path(side):
    return ROOT / ".odoo" / f"profile_{side}.pstats"


def report_profiles(count=25):
    """The functions whose own time (tottime) differs most between the two sides."""
    own = {}
    for side in SIDES:
        stats = pstats.Stats(str(profile_path(side))).stats
        own[side] = {
            f"{Path(file).name}:{line} {name}": (calls, tottime, cumtime)
            for (file, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.items()
        }
    rows = []
    for function in own["ours"].keys() | own["native"].keys():
        ours, native = own["ours"].get(function, (0, 0, 0)), own["native"].get(function, (0, 0, 0))
        rows.append((ours[1] - native[1], function, ours, native))
    rows.sort(key=lambda row: -abs(row[0]))
    print(f"\nown time, ours - native (profiles in {profile_path('ours').parent}):")
    print(f"{'diff s':>8} {'ours s':>8} {'calls':>8} {'native s':>8} {'calls':>8}  function")
    for diff, function, ours, native in rows[:count]:
        print(
            f"{diff:>8.3f} {ours[1]:>8.3f} {ours[0]:>8} {native[1]:>8.3f} {native[0]:>8}  "
            f"{function[:90]}"
        )


def report(rounds):
    """Each round's figures and ratio, then the medians: of each side, of the rounds'
    ratios and of the ratios of the turns (each turn of ours against the native turn
    taken beside it, on the same orders)."""
    print()
    headers = ("invoices", "amount", "total s", "ms/inv", "queries/inv", "peak MB")
    widths = (8, 14, 9, 8, 12, 8)
    columns = " ".join(f"{h:>{w}}" for h, w in zip(headers, widths, strict=True))
    print(f"{'round':6} {'side':8} {columns}")
    pairs = []
    for number, results in enumerate(rounds, 1):
        for figures in results.values():
            count = figures["invoices"] or 1
            print(
                f"{number:<6} {figures['side']:8} {figures['invoices']:>8} "
                f"{figures['amount']:>14,.2f} {figures['seconds']:>9.1f} "
                f"{figures['seconds'] * 1000 / count:>8.1f} "
                f"{figures['queries'] / count:>12.1f} {figures['peak_rss_mb']:>8.0f}"
            )
        turns = [
            ours / native
            for ours, native in zip(
                results["ours"]["turns"], results["native"]["turns"], strict=True
            )
        ]
        pairs += turns
        print(
            f"{'':6} ratio    {results['ours']['seconds'] / results['native']['seconds']:.2f}x"
            f"  (its turns: {', '.join(f'{ratio:.2f}' for ratio in turns)})"
        )
    ours = statistics.median(r["ours"]["seconds"] for r in rounds)
    native = statistics.median(r["native"]["seconds"] for r in rounds)
    ratio = statistics.median(r["ours"]["seconds"] / r["native"]["seconds"] for r in rounds)
    count = rounds[0]["ours"]["invoices"] or 1
    verdict = "within" if ratio <= 1.0 else "ABOVE"
    print(
        f"\nmedian over {len(rounds)} rounds: ours {ours * 1000 / count:.1f} ms/invoice, "
        f"native {native * 1000 / count:.1f} ms/invoice; median ratio {ratio:.2f}x "
        f"({verdict} the 1.0x target); median of the {len(pairs)} turns' ratios "
        f"{statistics.median(pairs):.2f}x"
    )


def measure_round(db, first, profile=False):
    """Both sides on fresh copies of ``db``, taking turns chunk by chunk (``first``
    begins, then the other begins the next chunk, ...), so that a change of the
    machine's speed falls on both alike. {side: its figures summed over the chunks}."""
    results = {
        side: {
            "side": side,
            "invoices": 0,
            "amount": 0.0,
            "seconds": 0.0,
            "queries": 0,
            "turns": [],
        }
        for side in SIDES
    }
    workers = {}
    try:
        for side in SIDES:
            run("dropdb", "--if-exists", f"{db}_{side}")
            run("createdb", "-T", db, f"{db}_{side}")
            workers[side] = Worker(f"{db}_{side}", side, profile)
        chunks = {workers[side].ask()["chunks"] for side in SIDES}  # both ready
        turns = (first, *(side for side in SIDES if side != first))
        for index in range(max(chunks)):
            for side in turns if index % 2 == 0 else turns[::-1]:
                answer = workers[side].ask(index)
                results[side]["turns"].append(answer["seconds"])
                for key, value in answer.items():
                    results[side][key] += value
        for side in SIDES:
            results[side]["peak_rss_mb"] = workers[side].ask("")["peak_rss_mb"]
            results[side]["amount"] = round(results[side]["amount"], 2)
    finally:
        for worker in workers.values():
            worker.close()
        for side in SIDES:
            run("dropdb", "--if-exists", f"{db}_{side}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="pp_genbench")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="measure the data already built")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--profile", action="store_true", help="profile each side (cProfile), print the diff"
    )
    parser.add_argument("--serve", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db, args.serve, args.profile)
        return
    if not args.reuse:
        create_database(args.db)
        generate_data(args.db, args.orders)
    rounds = []
    for number in range(args.rounds):
        first = SIDES[number % 2]
        say(f"round {number + 1} of {args.rounds}: both sides in turns, {first} first")
        rounds.append(measure_round(args.db, first, args.profile))
    report(rounds)
    if args.profile:
        report_profiles()


if __name__ == "__main__":
    main()
