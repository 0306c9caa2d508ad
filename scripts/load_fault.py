#!/usr/bin/env python3
"""Load-and-fault test of "never twice" on a real multi-worker Odoo.

    eval "$(scripts/dev.sh pg-start | tail -n 1)"; export TZ=UTC
    python3 scripts/load_fault.py [--seconds 120] [--db pp_load] [--port 8070]

1. Builds a scratch database (a copy of ``pp_base``, PostProduction installed without
   demo data) and fills it through the ORM: a company invoicing validated timesheets
   only, with automatic generation from last month on the 1st of each month; 50
   consultants, 2 timesheet validators, 2 accountants (PostProduction managers); 200
   customers, projects and confirmed monthly orders, each with a confirmed resource
   delivery (last month and this one, 500 a day) and validated timesheets of last month for
   its first working days (some orders also hold a submitted or a draft day).
2. Starts Odoo itself (2 HTTP workers, 1 cron worker) on 127.0.0.1.
3. For ``--seconds``, drives it over JSON-RPC from several client processes: consultants
   log timesheets of last month and submit them, validators validate the submitted ones,
   accountants read the dashboard (latency measured) and generate last month for
   overlapping sets of orders; the orchestrator makes the scheduled action *generate due
   invoices* due every few seconds. Faults: the cron worker is killed (SIGKILL) while it
   runs the generation, after the run committed its first batch (so that it is left
   ``running``) and while it holds order locks in the next one; then one HTTP worker is
   killed midway, preferably one inside a manual generation. Odoo respawns both. When no
   scheduled attempt gets a batch committed beside the load (each one fails on a
   serialization failure, which Odoo's cron does not retry), the writing clients are
   held back until one does, and let go before the kill; the events say so.
4. Stops the clients, triggers the scheduled action once more (it must resume the run
   the kill left ``running``), validates what is left, runs a last generation of the
   whole month, stops Odoo (SIGTERM) and prints the requests by kind, the dashboard's
   latency, the deadlocks and serialization failures of the PostgreSQL and Odoo logs,
   and the checks: (a) no duplicate billing, (b) every validated timesheet billed once
   or still to invoice, (c) no timesheet lost, (d) every run done. Exits non-zero when a
   check fails. The database is kept for inspection (dropped by the next run).

The month billed is last month (today's month is not over). Every request is recorded
(kind, ok/failed, latency, error) as JSON lines in a work folder under /tmp, with the
Odoo log. The cron worker is told apart by its niceness (WorkerCron calls os.nice(10);
without setproctitle the workers share one command line), confirmed by its own
``LISTEN cron_trigger`` connection; a database backend is traced to its worker through
its Unix socket pair (``ss -xp``), since ``-d`` makes every worker's connections carry
the master's pid as application name.
"""

import argparse
import json
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from benchmark_template import PROTECTED

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".odoo" / "odoo.conf"
#: The month billed is the last one, invoiced on the first day of today's month.
INVOICE_DATE = date.today().replace(day=1)
MONTH_END = INVOICE_DATE - timedelta(days=1)
MONTH = MONTH_END.replace(day=1)
DELIVERY_END = (INVOICE_DATE + timedelta(days=31)).replace(day=1) - timedelta(days=1)
MONTH_NAME = MONTH.strftime("%B")
CONSULTANTS = 50
VALIDATORS = 2
ACCOUNTANTS = 2
ORDERS = 200
DAILY_RATE = 500.0
HOURS_PER_DAY = 8.0
SEEDED_DAYS = 8  # validated working days per delivery at the start
CRON_XMLID = "postproduction.ir_cron_generate_due_invoices"
ORDER_LOCK_NAMESPACE = 20260401  # postproduction_invoice_run.ORDER_LOCK_NAMESPACE
CONSULTANT_PROCESSES = 4
RPC_TIMEOUT = 330  # above --limit-time-real
EPS = 1e-6


def say(message):
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[load_fault {stamp}] {message}", flush=True)


def working_days(start, end):
    day, days = start, []
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def run(*command, **kwargs):
    return subprocess.run(command, check=True, cwd=ROOT, **kwargs)


def pg_connect(db):
    import psycopg2  # noqa: PLC0415

    connection = psycopg2.connect(
        dbname=db,
        host=os.environ["PGHOST"],
        port=os.environ.get("PGPORT"),
        user=os.environ.get("PGUSER"),
        application_name="load_fault",
    )
    connection.autocommit = True
    return connection


def pg_log_path():
    """The private cluster's log (scripts/dev.sh: ``<pgdata>/../postgres.log``, the socket
    folder's sibling)."""
    return Path(os.environ["PGHOST"]).parent / "postgres.log"


# ---------------------------------------------------------------------------- build


def create_database(db):
    from benchmark_template import TEMPLATE, ensure_template  # noqa: PLC0415

    ensure_template(say)
    say(f"copying {TEMPLATE} to {db}, installing postproduction without demo data")
    run(
        "dropdb",
        "--if-exists",
        db,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
    )
    run("rm", "-rf", str(ROOT / ".odoo" / "data" / "filestore" / db))
    run("createdb", "-T", TEMPLATE, db)
    run(
        sys.executable, "-m", "odoo", "server", "-c", str(CONFIG), "-d", db,
        "-i", "postproduction", "--without-demo=all", "--stop-after-init", "--no-http",
        "--log-level=warn",
    )  # fmt: skip


def _user_values(name, login, groups):
    from odoo import Command  # noqa: PLC0415

    return {"name": name, "login": login, "password": login, "groups_id": [Command.set(groups)]}


def seed_users(env):
    """50 consultants (with their employee), 2 validators, 2 accountants."""
    ref = env.ref
    internal = ref("base.group_user").id
    users = env["res.users"].create(
        [
            _user_values(
                f"Consultant {i:02d}",
                f"c{i:02d}",
                [internal, ref("hr_timesheet.group_hr_timesheet_user").id],
            )
            for i in range(1, CONSULTANTS + 1)
        ]
        + [
            _user_values(
                f"Validator {i}",
                f"v{i}",
                [internal, ref("postproduction.group_postproduction_timesheet_validator").id],
            )
            for i in range(1, VALIDATORS + 1)
        ]
        + [
            _user_values(
                f"Accountant {i}",
                f"a{i}",
                [internal, ref("postproduction.group_postproduction_manager").id],
            )
            for i in range(1, ACCOUNTANTS + 1)
        ]
    )
    consultants = users[:CONSULTANTS]
    employees = env["hr.employee"].create(
        [
            {"name": user.name, "user_id": user.id, "company_id": env.company.id}
            for user in consultants
        ]
    )
    return consultants, employees


def seed_orders(env, employees):
    """200 customers, projects and confirmed monthly orders, each with its confirmed
    resource delivery (which adds the order line in days)."""
    from odoo import Command  # noqa: PLC0415

    customers = env["res.partner"].create(
        [{"name": f"Load customer {i:03d}", "is_company": True} for i in range(ORDERS)]
    )
    projects = env["project.project"].create(
        [
            {
                "name": f"Load project {i:03d}",
                "partner_id": customer.id,
                "allow_timesheets": True,
                "allow_billable": True,
                "privacy_visibility": "employees",
            }
            for i, customer in enumerate(customers)
        ]
    )
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customer.id,
                "postproduction_mode": "monthly",
                "client_order_ref": f"LOAD-{i:03d}",
            }
            for i, customer in enumerate(customers)
        ]
    )
    orders.action_confirm()
    env.cr.commit()
    deliveries = env["postproduction.delivery"]
    for start in range(0, ORDERS, 50):
        deliveries |= env["postproduction.delivery"].create(
            [
                {
                    "kind": "resource",
                    "project_id": projects[i].id,
                    "employee_id": employees[i % CONSULTANTS].id,
                    "date_start": MONTH,
                    "date_end": DELIVERY_END,
                    "daily_rate": DAILY_RATE,
                    "planned_days": 40,
                    "sale_order_ids": [Command.set([orders[i].id])],
                }
                for i in range(start, min(start + 50, ORDERS))
            ]
        )
    deliveries.action_confirm()
    missing = deliveries.filtered(lambda d: not d.sale_line_id)
    if missing:
        sys.exit(f"{len(missing)} deliveries got no order line: {missing.mapped('name')}")
    env.cr.commit()
    return orders, deliveries


def seed_timesheets(env, deliveries, days):
    """The first working days of the month validated on every delivery; one more day
    submitted on a quarter of them, one more draft on another quarter."""
    admin = env.ref("base.user_admin")
    values = []
    for i, delivery in enumerate(deliveries):
        base = {
            "name": "Seed",
            "project_id": delivery.project_id.id,
            "employee_id": delivery.employee_id.id,
            "unit_amount": HOURS_PER_DAY,
        }
        values += [
            {
                **base,
                "date": day,
                "approval_state": "validated",
                "approval_user_id": admin.id,
                "approval_date": datetime.combine(MONTH_END, datetime.min.time())
                + timedelta(hours=18),
            }
            for day in days[:SEEDED_DAYS]
        ]
        if i % 4 == 1:  # waits for a validator
            values.append({**base, "date": days[SEEDED_DAYS], "approval_state": "submitted"})
        elif i % 4 == 2:  # waits for its consultant to submit it
            values.append({**base, "date": days[SEEDED_DAYS], "approval_state": "draft"})
    timesheets = env["account.analytic.line"]
    for start in range(0, len(values), 400):
        timesheets |= env["account.analytic.line"].create(values[start : start + 400])
        env.cr.commit()
    if timesheets.filtered(lambda t: not t.so_line):
        sys.exit("some seeded timesheets got no order line")
    return values


def seed(db):
    """Fill ``db`` through the ORM (superuser, committed); returns what the clients need."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", str(CONFIG), "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    started = time.perf_counter()
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "no_reset_password": True}
        )
        env.company.write(
            {
                "postproduction_validated_timesheets_only": True,
                "postproduction_auto_invoice": True,
                "postproduction_auto_invoice_from": MONTH,
                "postproduction_invoicing_day": 1,
            }
        )
        env.ref("base.user_admin").password = "admin"
        # Not due before the test makes it due: else the cron worker bills the month at start.
        cron = env.ref(CRON_XMLID)
        cron.write({"nextcall": datetime.now() + timedelta(days=30), "active": True})
        consultants, employees = seed_users(env)
        say(f"  {len(consultants)} consultants with their employee, validators, accountants")
        orders, deliveries = seed_orders(env, employees)
        elapsed = time.perf_counter() - started
        say(f"  {len(orders)} confirmed orders and deliveries ({elapsed:.0f} s)")
        days = working_days(MONTH, MONTH_END)
        values = seed_timesheets(env, deliveries, days)
        say(f"  {len(values)} timesheets of {MONTH_NAME} ({time.perf_counter() - started:.0f} s)")
        projects_of = defaultdict(list)
        for delivery in deliveries:
            projects_of[delivery.employee_id.id].append(delivery.project_id.id)
        used = {(v["employee_id"], v["project_id"], v["date"]) for v in values}
        spec = {
            "cron_id": cron.id,
            "order_ids": orders.ids,
            "consultants": [
                {
                    "login": user.login,
                    "password": user.login,
                    "employee_id": employee.id,
                    # the (project, day) the consultant may still log
                    "slots": [
                        (project_id, day.isoformat())
                        for project_id in projects_of[employee.id]
                        for day in days
                        if (employee.id, project_id, day) not in used
                    ],
                }
                for user, employee in zip(consultants, employees, strict=True)
            ],
            "validators": [
                {"login": f"v{i}", "password": f"v{i}"} for i in range(1, VALIDATORS + 1)
            ],
            "accountants": [
                {"login": f"a{i}", "password": f"a{i}"} for i in range(1, ACCOUNTANTS + 1)
            ],
            "seeded_timesheets": len(values),
        }
    odoo.sql_db.close_all()
    say(f"data built in {time.perf_counter() - started:.0f} s")
    return spec


# ---------------------------------------------------------------------------- JSON-RPC


class RpcError(Exception):
    pass


class Rpc:
    def __init__(self, url, db):
        self.url = url.rstrip("/") + "/jsonrpc"
        self.db = db
        self.uid = None
        self.password = None

    def call(self, service, method, *args, timeout=RPC_TIMEOUT):
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": method, "args": args},
                "id": random.randint(1, 1 << 30),
            }
        ).encode()
        request = urllib.request.Request(
            self.url, data=payload, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
        if body.get("error"):
            error = body["error"]
            data = error.get("data") or {}
            name = data.get("name") or error.get("message") or "error"
            message = data.get("message") or error.get("message") or ""
            raise RpcError(f"{name}: {message}".strip())
        return body.get("result")

    def login(self, login, password):
        uid = self.call("common", "login", self.db, login, password)
        if not uid:
            raise RpcError(f"login refused for {login}")
        self.uid, self.password = uid, password
        return uid

    def execute(self, model, method, *args, **kwargs):
        return self.call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )


def error_text(error):
    if isinstance(error, RpcError):
        return str(error)[:400]
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTPError {error.code}: {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return f"URLError: {error.reason}"
    return f"{type(error).__name__}: {error}"[:400]


class Recorder:
    """Appends one JSON line per request to the client's file (survives a crash)."""

    def __init__(self, path, who):
        self.file = open(path, "a", buffering=1)
        self.who = who

    def timed(self, kind, function, *args, **kwargs):
        started = time.time()
        record = {"kind": kind, "who": self.who, "t": started}
        try:
            result = function(*args, **kwargs)
        except Exception as error:
            record.update(ok=False, latency=time.time() - started, error=error_text(error))
            self.file.write(json.dumps(record) + "\n")
            return False, None
        record.update(ok=True, latency=time.time() - started)
        if kind == "timesheet_create":
            record["id"] = result
        elif kind in ("generate", "final_generate"):
            record["run_id"] = result
        self.file.write(json.dumps(record) + "\n")
        return True, result

    def note(self, kind, **values):
        self.file.write(
            json.dumps({"kind": kind, "who": self.who, "t": time.time(), **values}) + "\n"
        )


# ---------------------------------------------------------------------------- clients


def month_domain():
    return [("date", ">=", MONTH.isoformat()), ("date", "<=", MONTH_END.isoformat())]


def _login(rpc, recorder, account, attempts=30):
    for _attempt in range(attempts):
        ok, _uid = recorder.timed("login", rpc.login, account["login"], account["password"])
        if ok:
            return True
        time.sleep(1)
    raise SystemExit(f"{account['login']} could not log in {attempts} times")


def consultant_client(url, db, consultants, deadline, stop, hold, out_path, seed_value):
    random.seed(seed_value)
    recorder = Recorder(out_path, f"consultants{seed_value}")
    sessions = {}
    free = {c["login"]: list(c["slots"]) for c in consultants}
    for slots in free.values():
        random.shuffle(slots)
    while time.time() < deadline and not stop.is_set():
        if hold.is_set():
            time.sleep(0.2)
            continue
        consultant = random.choice(consultants)
        rpc = sessions.get(consultant["login"])
        if rpc is None:
            rpc = Rpc(url, db)
            _login(rpc, recorder, consultant)
            sessions[consultant["login"]] = rpc
        for _ in range(random.randint(1, 3)):
            if not free[consultant["login"]]:
                break
            project_id, day = free[consultant["login"]].pop()
            values = {
                "name": "Load",
                "project_id": project_id,
                "employee_id": consultant["employee_id"],
                "date": day,
                "unit_amount": HOURS_PER_DAY,
            }
            ok, _ = recorder.timed(
                "timesheet_create", rpc.execute, "account.analytic.line", "create", values
            )
            if not ok:
                free[consultant["login"]].insert(0, (project_id, day))
        ok, ids = recorder.timed(
            "timesheet_search",
            rpc.execute,
            "account.analytic.line",
            "search",
            [
                ("employee_id", "=", consultant["employee_id"]),
                ("approval_state", "in", ["draft", "refused"]),
                *month_domain(),
            ],
        )
        if ok and ids:
            _submit(recorder, rpc, ids)
        time.sleep(random.uniform(0.1, 0.5))


def _submit(recorder, rpc, ids):
    started = time.time()
    record = {"kind": "timesheet_submit", "who": recorder.who, "t": started, "ids": ids}
    try:
        rpc.execute("account.analytic.line", "action_submit", ids)
        record.update(ok=True, latency=time.time() - started)
    except Exception as error:
        record.update(ok=False, latency=time.time() - started, error=error_text(error))
    recorder.file.write(json.dumps(record) + "\n")


def _validate(recorder, rpc, ids, kind="timesheet_validate"):
    started = time.time()
    record = {"kind": kind, "who": recorder.who, "t": started, "ids": ids}
    try:
        rpc.execute("account.analytic.line", "action_validate", ids)
        record.update(ok=True, latency=time.time() - started)
    except Exception as error:
        record.update(ok=False, latency=time.time() - started, error=error_text(error))
    recorder.file.write(json.dumps(record) + "\n")
    return record["ok"]


def validator_client(url, db, validator, share, deadline, stop, hold, out_path, seed_value):
    random.seed(seed_value)
    recorder = Recorder(out_path, validator["login"])
    rpc = Rpc(url, db)
    _login(rpc, recorder, validator)
    while time.time() < deadline and not stop.is_set():
        if hold.is_set():
            time.sleep(0.2)
            continue
        ok, ids = recorder.timed(
            "timesheet_search",
            rpc.execute,
            "account.analytic.line",
            "search",
            [("approval_state", "=", "submitted"), *month_domain()],
            limit=40,
            order="id",
        )
        if ok and ids:
            if random.random() < 0.2:  # now and then the same ones as the other validator
                picked = random.sample(ids, min(len(ids), 15))
            else:
                picked = [i for i in ids if i % VALIDATORS == share][:15]
            if picked:
                _validate(recorder, rpc, sorted(picked))
        time.sleep(random.uniform(0.3, 1.0))


DASHBOARD_SPEC = {
    "project_name": {},
    "order_name": {},
    "status": {},
    "production_turnover": {},
    "invoiced_turnover": {},
    "delta": {},
}


def accountant_client(url, db, accountant, order_ids, deadline, stop, hold, out_path, seed_value):
    random.seed(seed_value)
    recorder = Recorder(out_path, accountant["login"])
    rpc = Rpc(url, db)
    _login(rpc, recorder, accountant)
    order_ids = sorted(order_ids)
    iteration = 0
    while time.time() < deadline and not stop.is_set():
        iteration += 1
        recorder.timed(
            "dashboard_read",
            rpc.execute,
            "postproduction.turnover",
            "web_search_read",
            [("period", "=", MONTH.isoformat())],
            DASHBOARD_SPEC,
            limit=80,
        )
        if iteration % 2 == 0 and hold.is_set():
            recorder.note("generate_paused")
        elif iteration % 2 == 0:
            size = random.randint(20, 50)
            start = random.randint(0, len(order_ids) - size)
            window = order_ids[start : start + size]
            recorder.timed(
                "generate",
                rpc.execute,
                "postproduction.invoice.run",
                "generate",
                MONTH.isoformat(),
                invoice_date=INVOICE_DATE.isoformat(),
                domain=[("order_id", "in", window)],
            )
        time.sleep(random.uniform(0.5, 1.5))


# ---------------------------------------------------------------------------- Odoo


def odoo_command():
    """How to run Odoo: its ``odoo-bin`` when the checkout has one, else ``-m odoo``.

    Odoo's prefork server spawns its long-polling process as ``sys.executable
    sys.argv[0] gevent ...``: started with ``-m odoo``, ``sys.argv[0]`` is
    ``odoo/__main__.py``, which cannot run as a script (relative import), and the master
    respawns it in a tight loop. ``odoo-bin`` is the same entry point without that flaw.
    """
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.find_spec("odoo")
    if spec and spec.origin:
        odoo_bin = Path(spec.origin).resolve().parent.parent / "odoo-bin"
        if odoo_bin.is_file():
            return [sys.executable, str(odoo_bin)]
    return [sys.executable, "-m", "odoo"]


class OdooServer:
    def __init__(self, db, port, workdir):
        self.db, self.port, self.workdir = db, port, workdir
        self.logfile = workdir / "odoo.log"
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        command = [
            *odoo_command(), "server", "-c", str(CONFIG), "-d", self.db,
            "--db-filter", f"^{self.db}$", "--workers", "2", "--max-cron-threads", "1",
            "--http-port", str(self.port), "--http-interface", "127.0.0.1",
            "--gevent-port", str(self.port + 2),
            "--limit-time-real", "300", "--limit-time-cpu", "300",
            "--logfile", str(self.logfile),
        ]  # fmt: skip
        # Writing a cron's nextcall wakes the cron worker at once (else it polls each minute).
        environ = {**os.environ, "ODOO_NOTIFY_CRON_CHANGES": "1", "TZ": "UTC"}
        say(f"starting Odoo: {' '.join(command[1:])}")
        self.process = subprocess.Popen(command, cwd=ROOT, env=environ, stdin=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Odoo exited with code {self.process.returncode}; see {self.logfile}"
                )
            try:
                request = urllib.request.Request(
                    self.url + "/web/webclient/version_info",
                    data=b'{"jsonrpc": "2.0", "method": "call", "params": {}}',
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    version = json.loads(response.read())["result"]["server_version"]
                say(f"Odoo {version} answers on {self.url} (master pid {self.process.pid})")
                return
            except (OSError, ValueError, KeyError):
                time.sleep(0.5)
        raise RuntimeError("Odoo did not answer within 120 s")

    def children(self):
        import psutil  # noqa: PLC0415

        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []

    def workers(self):
        """{'http': [pids], 'cron': [pids], 'gevent': [pids]} among the master's children.

        Odoo names its workers with setproctitle when installed; without it the titles are
        all the same command line. The cron worker is told apart by its niceness (WorkerCron
        calls ``os.nice(10)``) and confirmed by its LISTEN connection to the ``postgres``
        database (``application_name`` ``odoo-<pid>``); the long-polling process runs the
        ``gevent`` subcommand.
        """
        import psutil  # noqa: PLC0415

        kinds = {"http": [], "cron": [], "gevent": []}
        for child in self.children():
            try:
                cmdline = child.cmdline()
                if "gevent" in cmdline:
                    kinds["gevent"].append(child.pid)
                elif child.nice() >= 10 or "WorkerCron" in " ".join(cmdline):
                    kinds["cron"].append(child.pid)
                else:
                    kinds["http"].append(child.pid)
            except psutil.NoSuchProcess:
                continue
        return kinds

    def stop(self, timeout=90):
        if not self.process or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        children = [c.pid for c in self.children()]
        say(f"stopping Odoo (SIGTERM to master {self.process.pid})")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            say("Odoo did not stop in time: SIGKILL to its master and workers")
            for pid in [self.process.pid, *children]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait(timeout=30)
        # workers of the master that outlive it (they should not)
        for pid in children:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            time.sleep(2)
            try:
                os.kill(pid, signal.SIGKILL)
                say(f"worker {pid} outlived the master: killed")
            except ProcessLookupError:
                pass
        return self.process.returncode


# ---------------------------------------------------------------------------- orchestration


def unix_socket_clients():
    """{process pid: pid at the other end} of the established Unix stream sockets (``ss``)."""
    try:
        output = subprocess.run(
            ["ss", "-xpn"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    owner, peer = {}, {}
    pattern = re.compile(r"^u_str\s+ESTAB\s+\d+\s+\d+\s+\S+\s+(\d+)\s+\S+\s+(\d+)\s+users:(.*)$")
    for line in output.splitlines():
        match = pattern.match(line.strip())
        if match:
            pids = re.findall(r"pid=(\d+)", match.group(3))
            if pids:
                owner[int(match.group(1))] = int(pids[0])
                peer[int(match.group(1))] = int(match.group(2))
    return {pid: owner[peer[inode]] for inode, pid in owner.items() if peer[inode] in owner}


class Orchestrator:
    def __init__(self, args, spec, server, workdir):
        self.args, self.spec, self.server, self.workdir = args, spec, server, workdir
        self.recorder = Recorder(workdir / "orchestrator.jsonl", "orchestrator")
        self.admin = Rpc(server.url, args.db)
        self.monitor = pg_connect(args.db)
        self.events = []  # (time, text)
        self.cron_kill = None  # dict
        self.http_kill = None

    def event(self, text):
        self.events.append((time.time(), text))
        say(text)

    def sql(self, query, params=None):
        with self.monitor.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None

    def trigger_cron(self, kind="cron_trigger"):
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        ok, _ = self.recorder.timed(
            kind,
            self.admin.execute,
            "ir.cron",
            "write",
            [self.spec["cron_id"]],
            {"nextcall": now.strftime("%Y-%m-%d %H:%M:%S")},
        )
        return ok

    def listens_cron(self, worker_pid):
        """Whether ``worker_pid`` holds the cron workers' ``LISTEN cron_trigger`` connection
        (opened by the worker itself, so named after its own pid)."""
        rows = self.sql(
            "SELECT query FROM pg_stat_activity WHERE application_name = %s "
            "AND datname = 'postgres'",
            (f"odoo-{worker_pid}",),
        )
        return any("cron_trigger" in (row[0] or "") for row in rows)

    def order_lock_holders(self):
        """{Odoo process pid: order locks its database connections hold}.

        The workers' connections to the database are all named after the master
        (``odoo-<master pid>``: ``-d`` preloads the registry, and its connection string,
        in the master before it forks), so a backend is traced to its worker through the
        Unix socket pair (``ss -xp``) instead.
        """
        rows = self.sql(
            """SELECT pid, count(*) FROM pg_locks
                WHERE locktype = 'advisory' AND classid = %s AND granted GROUP BY pid""",
            (ORDER_LOCK_NAMESPACE,),
        )
        if not rows:
            return {}
        clients = unix_socket_clients()
        holders = Counter()
        for backend, count in rows:
            holders[clients.get(backend, -backend)] += count
        return holders

    def find_cron_pid(self):
        workers = self.server.workers()
        crons = workers["cron"]
        if len(crons) != 1:
            return None, f"{len(crons)} process(es) with niceness 10 among {workers}"
        pid = crons[0]
        confirmed = self.listens_cron(pid)
        how = (
            f"pid {pid}, the master's only child at niceness 10 (WorkerCron calls os.nice(10); "
            "without setproctitle all workers have the same command line)"
            + (", confirmed by its own 'LISTEN cron_trigger' connection" if confirmed else "")
        )
        return pid, how

    def scheduled_runs(self, state):
        return [
            row[0]
            for row in self.sql(
                "SELECT id FROM postproduction_invoice_run WHERE trigger = 'cron' AND state = %s "
                "ORDER BY id DESC",
                (state,),
            )
        ]

    def kill_cron_during_generation(self, until, hold, hold_after):
        """SIGKILL the cron worker inside the scheduled generation, after the run committed
        its first batch (so that it is left ``running``), while it holds order locks again.

        The cron is made due again and again (a failed attempt reschedules it to tomorrow).
        When no attempt commits a batch under the load by ``hold_after``, the writing
        clients are held back until one does, then let go before the kill.
        """
        self.event("fault 1: making the scheduled generation due, waiting for it to run")
        try:
            return self._kill_cron_loop(until, hold, hold_after)
        finally:
            if hold.is_set():
                hold.clear()
                self.event("  the clients write again")

    def _kill_cron_loop(self, until, hold, hold_after):
        last_trigger, attempts, seen = 0.0, 0, set()
        while time.time() < until:
            pid, how = self.find_cron_pid()
            if pid is None:
                time.sleep(0.2)
                continue
            running = self.scheduled_runs("running")
            locks = self.order_lock_holders().get(pid, 0)
            if running and hold.is_set():
                hold.clear()
                self.event(
                    f"  scheduled run {running[0]} committed its first batch: the clients write "
                    "again"
                )
            if running and locks:
                return self._kill_cron(pid, how, running[0], locks)
            if locks and (pid, bool(running)) not in seen:
                seen.add((pid, bool(running)))
                self.event(f"  cron worker {pid} is generating ({locks} order locks)")
            done = self.scheduled_runs("done")
            if done:
                self.cron_kill = {"missed": f"scheduled run {done[0]} ended before the kill"}
                self.event(f"  missed: scheduled run {done[0]} ended before the kill landed")
                return False
            due = self.sql(
                "SELECT nextcall <= (now() at time zone 'UTC') FROM ir_cron WHERE id = %s",
                (self.spec["cron_id"],),
            )[0][0]
            if not due and not locks and not running and time.time() - last_trigger > 5:
                if last_trigger:
                    attempts += 1
                    self.event(f"  scheduled attempt {attempts} ended without a committed batch")
                self.trigger_cron()
                last_trigger = time.time()
            if not hold.is_set() and not running and time.time() >= hold_after:
                hold.set()
                self.event(
                    f"  no scheduled attempt committed a batch under the load ({attempts} ended "
                    "without one so far): the writing clients hold back until one does"
                )
            time.sleep(0.05)
        self.cron_kill = {"missed": "no scheduled run caught in a later batch before the deadline"}
        self.event("  missed: no scheduled run caught in a later batch")
        return False

    def _kill_cron(self, pid, how, run_id, locks):
        lines = self.sql(
            "SELECT count(*) FROM postproduction_invoice_run_line WHERE run_id = %s", (run_id,)
        )[0][0]
        os.kill(pid, signal.SIGKILL)
        self.cron_kill = {
            "time": time.time(),
            "pid": pid,
            "how": how,
            "run_id": run_id,
            "lines_committed": lines,
            "locks": locks,
        }
        self.event(
            f"  SIGKILL cron worker {pid} inside scheduled run {run_id} ({lines} result lines "
            f"committed, {locks} order locks held); the cron worker is {how}"
        )
        return True

    def kill_http_worker(self, wait_until):
        """SIGKILL one HTTP worker, preferably one inside a generation (order locks)."""
        self.event("fault 2: killing one HTTP worker")
        chosen, why = None, ""
        while time.time() < wait_until and chosen is None:
            holders = self.order_lock_holders()
            for pid in self.server.workers()["http"]:
                if holders.get(pid):
                    chosen = pid
                    why = f"inside a manual generation ({holders[pid]} order locks held)"
                    break
            time.sleep(0.05)
        if chosen is None:
            http = self.server.workers()["http"]
            if not http:
                self.event("  no HTTP worker found")
                return
            chosen, why = random.choice(http), "no generation seen in time: a random one"
        os.kill(chosen, signal.SIGKILL)
        self.http_kill = {"time": time.time(), "pid": chosen, "why": why}
        self.event(f"  SIGKILL HTTP worker {chosen}, {why}")

    def wait_respawn(self, killed, kind, timeout=60):
        """Wait until the master has reaped ``killed`` and runs a new worker of ``kind``."""
        import psutil  # noqa: PLC0415

        deadline = time.time() + timeout
        started = time.time()
        while time.time() < deadline:
            alive = []
            for child in self.server.children():
                try:
                    if child.status() != psutil.STATUS_ZOMBIE:
                        alive.append(child.pid)
                except psutil.NoSuchProcess:
                    continue
            workers = self.server.workers()
            fresh = [pid for pid in workers[kind] if pid in alive and pid != killed]
            wanted = 2 if kind == "http" else 1
            if killed not in alive and len(fresh) >= wanted:
                self.event(f"  respawned in {time.time() - started:.1f} s: {kind} workers {fresh}")
                return True
            time.sleep(0.2)
        self.event(f"  no new {kind} worker within {timeout} s")
        return False

    def wait_cron_idle(self, timeout):
        """Wait until the generation cron is rescheduled (nextcall in the future) and no
        scheduled run is left running by a live worker; returns whether it happened."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            row = self.sql(
                "SELECT nextcall > (now() at time zone 'UTC') FROM ir_cron WHERE id = %s",
                (self.spec["cron_id"],),
            )
            if row and row[0][0]:
                return True
            time.sleep(1)
        return False


def load_records(workdir):
    records = []
    for path in sorted(workdir.glob("*.jsonl")):
        with open(path) as handle:
            for raw in handle:
                line = raw.strip()
                if line:
                    try:
                        records.append(json.loads(line))
                    except ValueError:
                        pass  # a line cut by a killed client
    return records


#: RPC refusals the module (or Odoo) gives by design under this load.
EXPECTED_ERRORS = (
    ("two validators on the same timesheets", "cannot go to Validated from their current state"),
    ("the cron runs, its record is locked", "Record cannot be modified right now"),
)
TRANSPORT_ERRORS = ("RemoteDisconnected", "ConnectionResetError", "URLError", "HTTPError 50")


def classify(record, kills):
    """'expected: why', 'fault: ...' or 'UNEXPECTED' for a failed request."""
    error = record.get("error", "")
    for why, text in EXPECTED_ERRORS:
        if text in error:
            return f"expected: {why}"
    if any(error.startswith(name) for name in TRANSPORT_ERRORS):
        end = record["t"] + record.get("latency", 0) + 2
        if any(record["t"] - 2 <= kill <= end for kill in kills):
            return "fault: in flight when a worker was killed"
    return "UNEXPECTED"


LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ "
    r"(?P<logger>[\w.]+): (?P<msg>.*)$"
)
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Failure|Violation|Detected|Exit)\b")


def odoo_log_errors(path):
    """Counter of the ERROR/CRITICAL entries of the Odoo log: (logger: message, exception)."""
    errors = Counter()
    if not path.exists():
        return errors
    current = None

    def close(entry):
        if entry:
            head, tail = entry
            exception = next((line for line in reversed(tail) if EXCEPTION_LINE.match(line)), "")
            errors[(head, normalize(exception))] += 1

    with open(path, errors="replace") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            match = LOG_LINE.match(line)
            if match:
                close(current)
                current = None
                if match.group("level") in ("ERROR", "CRITICAL"):
                    current = (normalize(f"{match.group('logger')}: {match.group('msg')}"), [])
            elif current is not None:
                current[1].append(line.strip())
    close(current)
    return errors


def normalize(message):
    message = re.sub(r"\d+", "#", message)
    return message.split("\n")[0][:220]


def count_log(path, offset=0):
    """(deadlock lines, serialization lines, retry lines by code, total lines) from offset."""
    counts = Counter()
    if not path.exists():
        return counts
    with open(path, "rb") as handle:
        handle.seek(offset)
        for raw in handle:
            line = raw.decode("utf-8", "replace")
            if "deadlock detected" in line:
                counts["deadlock detected"] += 1
            if "could not serialize access" in line:
                counts["could not serialize access"] += 1
            match = re.search(r"(\w+), (\d+) tries left, try again", line)
            if match:
                counts[f"retry {match.group(1)}"] += 1
            if "maximum number of tries reached" in line:
                counts["maximum number of tries reached"] += 1
            if " ERROR " in line or " CRITICAL " in line:
                counts["ERROR/CRITICAL lines"] += 1
            if "PostProduction: generate due invoices" in line:
                for word in ("starting", "failed", "completed"):
                    if re.search(rf"\) (server action #\d+ )?{word}", line):
                        counts[f"cron {word}"] += 1
    return counts


# ---------------------------------------------------------------------------- checks


def check_billing(connection, order_ids):
    """Figures of checks (a) and (b) from the database (read-only SQL)."""
    cr = connection.cursor()
    # live PostProduction invoices of the month: not cancelled
    cr.execute(
        """SELECT m.id, m.move_type, m.state, m.postproduction_run_id
             FROM account_move m
            WHERE m.move_type IN ('out_invoice', 'out_refund') AND m.state != 'cancel'
              AND m.postproduction_period = %s""",
        (MONTH,),
    )
    live = {row[0]: row for row in cr.fetchall()}
    # invoiced quantity per (move, order line), in the order line's unit (days)
    cr.execute(
        """SELECT aml.move_id, rel.order_line_id,
                  SUM(CASE WHEN m.move_type = 'out_refund' THEN -aml.quantity
                           ELSE aml.quantity END)::float8
             FROM account_move_line aml
             JOIN account_move m ON m.id = aml.move_id
             JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
             JOIN sale_order_line sol ON sol.id = rel.order_line_id
            WHERE m.state != 'cancel' AND m.move_type IN ('out_invoice', 'out_refund')
              AND sol.order_id = ANY(%s) AND NOT COALESCE(sol.is_downpayment, FALSE)
              AND aml.display_type = 'product'
            GROUP BY aml.move_id, rel.order_line_id""",
        (order_ids,),
    )
    invoiced = {(move, line): qty for move, line, qty in cr.fetchall()}
    # timesheets linked to invoices, per (move, line), in days
    cr.execute(
        """SELECT t.timesheet_invoice_id, t.so_line, (SUM(t.unit_amount) / %s)::float8,
                  COUNT(*) FILTER (WHERE t.approval_state != 'validated')
             FROM account_analytic_line t
             JOIN sale_order_line sol ON sol.id = t.so_line
            WHERE t.timesheet_invoice_id IS NOT NULL AND sol.order_id = ANY(%s)
              AND t.project_id IS NOT NULL
            GROUP BY t.timesheet_invoice_id, t.so_line""",
        (HOURS_PER_DAY, order_ids),
    )
    linked, unvalidated_linked = {}, 0
    linked_to_dead = 0
    for move, line, days, unvalidated in cr.fetchall():
        if move in live:
            linked[(move, line)] = days
            unvalidated_linked += unvalidated
        else:
            linked_to_dead += 1
    mismatches = []
    for key in set(invoiced) | set(linked):
        if abs(invoiced.get(key, 0.0) - linked.get(key, 0.0)) > 1e-4:
            mismatches.append((key, invoiced.get(key, 0.0), linked.get(key, 0.0)))
    # per order line: invoiced days vs validated days of the month
    cr.execute(
        """SELECT sol.id, sol.order_id, sol.qty_delivered::float8, sol.qty_invoiced::float8,
                  COALESCE((SELECT SUM(t.unit_amount) FROM account_analytic_line t
                             WHERE t.so_line = sol.id AND t.approval_state = 'validated'
                               AND t.date BETWEEN %s AND %s), 0) / %s,
                  COALESCE((SELECT SUM(t.unit_amount) FROM account_analytic_line t
                             WHERE t.so_line = sol.id AND t.approval_state = 'validated'
                               AND t.date BETWEEN %s AND %s
                               AND t.timesheet_invoice_id IS NULL), 0) / %s
             FROM sale_order_line sol
            WHERE sol.order_id = ANY(%s) AND sol.display_type IS NULL
              AND NOT COALESCE(sol.is_downpayment, FALSE)""",
        (MONTH, MONTH_END, HOURS_PER_DAY, MONTH, MONTH_END, HOURS_PER_DAY, order_ids),
    )
    lines = cr.fetchall()
    line_invoiced = defaultdict(float)
    for (_move, line), qty in invoiced.items():
        line_invoiced[line] += qty
    over_invoiced = [
        (line, qty_invoiced, validated)
        for line, _order, _delivered, qty_invoiced, validated, _unbilled in lines
        if line_invoiced[line] > validated + 1e-4 or qty_invoiced > validated + 1e-4
    ]
    delivered_mismatch = [
        (line, delivered, validated)
        for line, _order, delivered, _inv, validated, _unbilled in lines
        if abs(delivered - validated) > 1e-4
    ]
    to_invoice_days = sum(unbilled for *_rest, unbilled in lines)
    qty_mismatch = [
        (line, qty_invoiced, line_invoiced[line])
        for line, _order, _delivered, qty_invoiced, _validated, _unbilled in lines
        if abs(qty_invoiced - line_invoiced[line]) > 1e-4
    ]
    # billing keys against live invoices, per order
    cr.execute(
        """SELECT k.order_id, k.kind, k.sequence, k.move_id, m.state
             FROM postproduction_billing_key k LEFT JOIN account_move m ON m.id = k.move_id
            WHERE k.period = %s AND k.order_id = ANY(%s)""",
        (MONTH, order_ids),
    )
    keys = cr.fetchall()
    keys_by_order = defaultdict(list)
    dead_keys = []
    for order, kind, sequence, move, state in keys:
        keys_by_order[order].append((kind, sequence, move))
        if state in (None, "cancel"):
            dead_keys.append((order, sequence, move, state))
    cr.execute(
        """SELECT sol.order_id, aml.move_id
             FROM account_move_line aml
             JOIN account_move m ON m.id = aml.move_id
             JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
             JOIN sale_order_line sol ON sol.id = rel.order_line_id
            WHERE m.state != 'cancel' AND m.postproduction_period = %s AND sol.order_id = ANY(%s)
            GROUP BY sol.order_id, aml.move_id""",
        (MONTH, order_ids),
    )
    moves_by_order = defaultdict(set)
    for order, move in cr.fetchall():
        moves_by_order[order].add(move)
    key_mismatch = []
    for order in set(keys_by_order) | set(moves_by_order):
        key_moves = {move for _kind, _seq, move in keys_by_order[order]}
        sequences = [seq for _kind, seq, _move in keys_by_order[order]]
        if key_moves != moves_by_order[order] or len(sequences) != len(set(sequences)):
            key_mismatch.append((order, sorted(moves_by_order[order]), keys_by_order[order]))
    cr.close()
    return {
        "live_invoices": len(live),
        "invoice_lines": len(invoiced),
        "invoiced_days": sum(invoiced.values()),
        "linked_days": sum(linked.values()),
        "mismatches": mismatches,
        "unvalidated_linked": unvalidated_linked,
        "linked_to_dead": linked_to_dead,
        "over_invoiced": over_invoiced,
        "delivered_mismatch": delivered_mismatch,
        "qty_mismatch": qty_mismatch,
        "to_invoice_days": to_invoice_days,
        "validated_days": sum(validated for *_r, validated, _u in lines),
        "keys": len(keys),
        "dead_keys": dead_keys,
        "key_mismatch": key_mismatch,
        "orders_billed_twice_or_more": sum(
            1 for moves in moves_by_order.values() if len(moves) > 1
        ),
    }


# ---------------------------------------------------------------------------- main


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=120, help="duration of the load")
    parser.add_argument("--db", default="pp_load", help="scratch database (dropped, rebuilt)")
    parser.add_argument("--port", type=int, default=8070, help="Odoo's HTTP port (127.0.0.1)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the clients")
    args = parser.parse_args()
    if args.db in PROTECTED or not re.fullmatch(r"[a-z][a-z0-9_]{1,40}", args.db):
        sys.exit(f"Refusing database {args.db!r}: choose a scratch name (not {sorted(PROTECTED)}).")
    if not os.environ.get("PGHOST"):
        sys.exit(
            'PostgreSQL is not set: run `eval "$(scripts/dev.sh pg-start | tail -n 1)"` first.'
        )
    if not CONFIG.is_file():
        sys.exit(f"{CONFIG} is missing: run `scripts/dev.sh setup` first.")
    if args.seconds < 30:
        sys.exit("--seconds must be at least 30 (both faults happen during the load).")
    return args


def start_clients(context, server, args, spec, workdir, deadline, stop, hold, seed_value):
    """The client processes (spawned: they import neither Odoo nor this process's state)."""
    clients = []
    common = (server.url, args.db)
    consultants = spec["consultants"]
    for k in range(CONSULTANT_PROCESSES):
        clients.append(
            context.Process(
                target=consultant_client,
                name=f"consultants{k}",
                args=(*common, consultants[k::CONSULTANT_PROCESSES], deadline, stop, hold,
                      workdir / f"consultants{k}.jsonl", seed_value + k),
            )
        )  # fmt: skip
    for i, validator in enumerate(spec["validators"]):
        clients.append(
            context.Process(
                target=validator_client,
                name=validator["login"],
                args=(*common, validator, i, deadline, stop, hold,
                      workdir / f"{validator['login']}.jsonl", seed_value + 100 + i),
            )
        )  # fmt: skip
    for i, accountant in enumerate(spec["accountants"]):
        clients.append(
            context.Process(
                target=accountant_client,
                name=accountant["login"],
                args=(*common, accountant, spec["order_ids"], deadline, stop, hold,
                      workdir / f"{accountant['login']}.jsonl", seed_value + 200 + i),
            )
        )  # fmt: skip
    for client in clients:
        client.start()
    return clients


def drive(orchestrator, args, t_load, deadline, hold):
    """The orchestrator's part of the load: the cron made due every few seconds, the cron
    worker killed inside a scheduled run, then an HTTP worker killed midway."""
    cron_fault_at = t_load + max(5, 0.15 * args.seconds)
    http_fault_at = t_load + 0.5 * args.seconds
    next_trigger = t_load + 10
    cron_done = http_done = False
    while time.time() < deadline:
        now = time.time()
        if not cron_done and now >= cron_fault_at:
            orchestrator.kill_cron_during_generation(
                until=min(deadline, now + 0.6 * args.seconds),
                hold=hold,
                hold_after=now + 0.25 * args.seconds,
            )
            cron_done = True
            if orchestrator.cron_kill and orchestrator.cron_kill.get("pid"):
                orchestrator.wait_respawn(orchestrator.cron_kill["pid"], "cron")
            next_trigger = time.time() + 3
        elif cron_done and not http_done and now >= http_fault_at:
            orchestrator.kill_http_worker(wait_until=min(deadline, now + 30))
            http_done = True
            if orchestrator.http_kill:
                orchestrator.wait_respawn(orchestrator.http_kill["pid"], "http")
        elif now >= next_trigger:
            orchestrator.trigger_cron()
            next_trigger = now + 8
        time.sleep(0.2)


def stop_clients(clients, stop):
    stop.set()
    for client in clients:
        client.join(timeout=RPC_TIMEOUT)
        if client.is_alive():
            say(f"client {client.name} still running: terminated")
            client.terminate()
            client.join(timeout=10)


def finish(orchestrator, server, args, spec, workdir, summary):
    """After the load: the cron finishes, is triggered once more (it resumes a run the kill
    left running), what is left is validated and a last run bills the whole month."""
    say("letting the cron finish, then triggering it once more (it resumes a run left running)")
    orchestrator.wait_cron_idle(timeout=300)
    summary["runs_before_final_trigger"] = orchestrator.sql(
        "SELECT id, state FROM postproduction_invoice_run WHERE trigger = 'cron' ORDER BY id"
    )
    for _attempt in range(60):
        if orchestrator.trigger_cron("cron_trigger_final"):
            break
        time.sleep(2)
    time.sleep(2)
    summary["cron_finished"] = orchestrator.wait_cron_idle(timeout=300)
    summary["billing_before"] = check_billing(orchestrator.monitor, spec["order_ids"])

    say(f"validating what is left of {MONTH_NAME}, then a final generation of the whole month")
    recorder = Recorder(workdir / "final.jsonl", "final")
    validator = Rpc(server.url, args.db)
    validator.login(spec["validators"][0]["login"], spec["validators"][0]["password"])
    left = validator.execute(
        "account.analytic.line", "search", [("approval_state", "!=", "validated"), *month_domain()]
    )
    for start in range(0, len(left), 200):
        _validate(recorder, validator, left[start : start + 200], kind="final_validate")
    summary["left_validated"] = len(left)
    accountant = Rpc(server.url, args.db)
    accountant.login(spec["accountants"][0]["login"], spec["accountants"][0]["password"])
    ok, final_run = recorder.timed(
        "final_generate",
        accountant.execute,
        "postproduction.invoice.run",
        "generate",
        MONTH.isoformat(),
        invoice_date=INVOICE_DATE.isoformat(),
    )
    summary["final_run"] = final_run if ok else None


def collect(args, spec, workdir, pg_log, pg_offset, server):
    """Everything the report prints, read once Odoo is stopped."""
    records = load_records(workdir)
    connection = pg_connect(args.db)
    figures = {"records": records, "billing_after": check_billing(connection, spec["order_ids"])}
    cr = connection.cursor()
    cr.execute(
        "SELECT id, trigger, state, date_start, date_end FROM postproduction_invoice_run "
        "ORDER BY id"
    )
    figures["runs"] = cr.fetchall()
    cr.execute("""SELECT run_id, count(*) FROM postproduction_invoice_run_line GROUP BY run_id""")
    figures["run_line_counts"] = dict(cr.fetchall())
    cr.execute(
        """SELECT result, reason_code, count(*) FROM postproduction_invoice_run_line
            GROUP BY result, reason_code ORDER BY 1, 2"""
    )
    figures["run_lines"] = cr.fetchall()
    cr.execute(
        """SELECT reason, count(*) FROM postproduction_invoice_run_line WHERE result = 'failed'
            GROUP BY reason ORDER BY 2 DESC LIMIT 10"""
    )
    figures["failed_reasons"] = cr.fetchall()
    created = [r["id"] for r in records if r["kind"] == "timesheet_create" and r.get("ok")]
    cr.execute("SELECT id FROM account_analytic_line WHERE id = ANY(%s)", (created,))
    figures["created"] = created
    figures["missing"] = sorted(set(created) - {row[0] for row in cr.fetchall()})
    validated = sorted(
        {i for r in records if r["kind"] == "timesheet_validate" and r.get("ok") for i in r["ids"]}
    )
    cr.execute(
        "SELECT id FROM account_analytic_line WHERE id = ANY(%s) AND approval_state != 'validated'",
        (validated,),
    )
    figures["validated"] = validated
    figures["unvalidated_after_ok"] = [row[0] for row in cr.fetchall()]
    cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE approval_state = 'validated') "
        "FROM account_analytic_line WHERE project_id IS NOT NULL AND date BETWEEN %s AND %s",
        (MONTH, MONTH_END),
    )
    figures["timesheets"] = cr.fetchone()
    connection.close()
    figures["pg_counts"] = count_log(pg_log, pg_offset)
    figures["odoo_counts"] = count_log(server.logfile)
    figures["odoo_errors"] = odoo_log_errors(server.logfile)
    return figures


def report_requests(records, kills):
    """Prints the requests by kind; returns the number of unexpected RPC errors."""
    print("requests by kind (made / failed; p50 / p95 latency of the successful ones):")
    by_kind = defaultdict(list)
    for record in records:
        if "ok" in record:
            by_kind[record["kind"]].append(record)
    unexpected = 0
    for kind in sorted(by_kind):
        items = by_kind[kind]
        failed = [r for r in items if not r["ok"]]
        latencies = [r["latency"] for r in items if r["ok"]]
        print(
            f"  {kind:20} {len(items):6} made {len(failed):5} failed   p50 "
            f"{percentile(latencies, 0.5) * 1000:7.0f} ms  p95 "
            f"{percentile(latencies, 0.95) * 1000:7.0f} ms"
        )
        distinct = Counter((normalize(r["error"]), classify(r, kills)) for r in failed)
        for (message, label), count in distinct.most_common():
            print(f"      {count:5} x [{label}] {message}")
            if label == "UNEXPECTED":
                unexpected += count
    paused = sum(1 for r in records if r["kind"] == "generate_paused")
    if paused:
        print(f"  (accountants skipped {paused} generation(s) while the clients were held back)")
    dashboard = [r["latency"] for r in by_kind.get("dashboard_read", []) if r["ok"]]
    print(
        f"dashboard read (postproduction.turnover web_search_read, period = {MONTH_NAME}, "
        f"{len(DASHBOARD_SPEC)} fields, limit 80): {len(dashboard)} reads, p50 "
        f"{percentile(dashboard, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(dashboard, 0.95) * 1000:.0f} ms"
        + (f", max {max(dashboard) * 1000:.0f} ms" if dashboard else "")
    )
    print(f"unexpected RPC errors: {unexpected}")
    return unexpected


def report_logs(figures, pg_log, server):
    pg_counts, odoo_counts = figures["pg_counts"], figures["odoo_counts"]
    print(f"PostgreSQL log ({pg_log}, lines added since Odoo started):")
    print(
        f"  deadlock detected: {pg_counts['deadlock detected']}, "
        f"could not serialize access: {pg_counts['could not serialize access']}"
    )
    retries = ", ".join(
        f"{key[6:]} {value}"
        for key, value in sorted(odoo_counts.items())
        if key.startswith("retry ")
    )
    print(f"Odoo log ({server.logfile}):")
    print(
        f"  deadlock detected: {odoo_counts['deadlock detected']}, could not serialize access: "
        f"{odoo_counts['could not serialize access']}; RPC retries: {retries or 'none'}, "
        f"max tries reached: {odoo_counts['maximum number of tries reached']}"
    )
    print(
        f"  scheduled action 'generate due invoices': {odoo_counts['cron starting']} started, "
        f"{odoo_counts['cron failed']} failed, {odoo_counts['cron completed']} rescheduled "
        "(a killed one logs neither)"
    )
    errors = figures["odoo_errors"]
    print(f"  ERROR/CRITICAL entries: {sum(errors.values())}")
    for (head, exception), count in errors.most_common(12):
        print(
            f"      {count:5} x {head[:150]}"
            + (f"\n              -> {exception}" if exception else "")
        )


def report_runs(figures, spec, summary):
    runs = figures["runs"]
    by = Counter((trigger, state) for _id, trigger, state, *_ in runs)
    print(f"runs: {len(runs)} ({', '.join(f'{t}/{s}: {n}' for (t, s), n in sorted(by.items()))})")
    print("run lines: " + ", ".join(f"{r}/{c or '-'}: {n}" for r, c, n in figures["run_lines"]))
    for reason, count in figures["failed_reasons"]:
        print(f"  failed lines: {count} x {normalize(reason or '')}")
    total, validated = figures["timesheets"]
    print(
        f"{MONTH_NAME} timesheets: {total} ({validated} validated): {spec['seeded_timesheets']} "
        f"seeded, {len(figures['created'])} created by the clients; "
        f"{summary.get('left_validated', 0)} validated at the end"
    )
    before, after = summary.get("billing_before"), figures["billing_after"]
    if before:
        print(
            f"after the load: {before['live_invoices']} live invoices, "
            f"{before['invoiced_days']:.0f} days invoiced, {before['to_invoice_days']:.0f} "
            f"validated days still to invoice; {before['orders_billed_twice_or_more']} orders "
            f"billed by 2+ invoices of {MONTH_NAME} (each its own billing key)"
        )
    print(
        f"after the final run: {after['live_invoices']} live invoices, "
        f"{after['invoiced_days']:.0f} days invoiced of {after['validated_days']:.0f} validated, "
        f"{after['keys']} billing keys"
    )


def run_checks(figures, summary, orchestrator, t_load):
    checks = []

    def check(name, passed, detail):
        checks.append(passed)
        print(f"  [{'PASS' if passed else 'FAIL'}] {name}: {detail}")

    print("checks:")
    after = figures["billing_after"]
    for label, billing in (
        ("after the load", summary.get("billing_before")),
        ("at the end", after),
    ):
        if billing is None:
            check(f"(a) 0 duplicate billing, {label}", False, "not measured (the run stopped)")
            continue
        problems = (
            len(billing["mismatches"])
            + billing["unvalidated_linked"]
            + len(billing["key_mismatch"])
            + len(billing["dead_keys"])
        )
        check(
            f"(a) 0 duplicate billing, {label}",
            problems == 0,
            f"{billing['live_invoices']} live invoices, {billing['invoice_lines']} (invoice, order "
            f"line) pairs; invoiced quantity != days of the validated timesheets linked to that "
            f"invoice: {len(billing['mismatches'])} {billing['mismatches'][:3]}; non-validated "
            f"timesheets billed: {billing['unvalidated_linked']}; orders whose live invoices are "
            f"not exactly their billing keys' (distinct sequences): {len(billing['key_mismatch'])} "
            f"{billing['key_mismatch'][:2]}; keys of cancelled/missing invoices: "
            f"{len(billing['dead_keys'])}",
        )
    before = summary.get("billing_before")
    if before:
        check(
            "(b) qty_invoiced <= validated delivered, after the load",
            not before["over_invoiced"] and not before["delivered_mismatch"],
            f"order lines invoiced beyond their validated days: {len(before['over_invoiced'])} "
            f"{before['over_invoiced'][:3]}; qty_delivered != validated days: "
            f"{len(before['delivered_mismatch'])} {before['delivered_mismatch'][:3]}",
        )
    everything = (
        bool(summary.get("final_run"))
        and after["to_invoice_days"] < EPS
        and not after["over_invoiced"]
        and not after["qty_mismatch"]
        and abs(after["invoiced_days"] - after["validated_days"]) < 1e-4
    )
    check(
        "(b) after a final run, everything validated is invoiced once",
        everything,
        f"final run {summary.get('final_run')}; {after['validated_days']:.0f} validated days, "
        f"{after['invoiced_days']:.0f} invoiced, {after['to_invoice_days']:.0f} left; lines "
        f"over-invoiced {len(after['over_invoiced'])}, qty_invoiced != their invoice lines "
        f"{len(after['qty_mismatch'])} {after['qty_mismatch'][:3]}",
    )
    check(
        "(c) no timesheet lost",
        not figures["missing"] and not figures["unvalidated_after_ok"],
        f"{len(figures['created'])} created over RPC, {len(figures['missing'])} missing "
        f"{figures['missing'][:5]}; {len(figures['validated'])} validated over RPC, "
        f"{len(figures['unvalidated_after_ok'])} no longer validated",
    )
    runs = figures["runs"]
    not_done = [(i, t, s) for i, t, s, *_ in runs if s != "done"]
    check(
        "(d) every run ended done",
        not not_done and summary.get("cron_finished", False),
        f"{len(runs)} runs, not done: {not_done[:5]}; cron rescheduled after the final trigger: "
        f"{summary.get('cron_finished')}",
    )
    kill = (orchestrator.cron_kill if orchestrator else None) or {}
    cron_runs = [(i, s, end) for i, t, s, _start, end in runs if t == "cron"]
    if kill.get("run_id"):
        state, ended = {i: (s, e) for i, s, e in cron_runs}.get(kill["run_id"], ("missing", None))
        ended_at = ended.replace(tzinfo=timezone.utc).timestamp() if ended else None
        before_final = dict(summary.get("runs_before_final_trigger") or [])
        by = (
            "a cron call during the load"
            if before_final.get(kill["run_id"]) == "done"
            else "the final cron call"
        )
        check(
            "(d) the scheduled run the kill left running was resumed by the next cron call",
            state == "done"
            and ended_at is not None
            and ended_at > kill["time"]
            and len(cron_runs) == 1,
            f"run {kill['run_id']} killed at +{kill['time'] - t_load:.0f} s with "
            f"{kill['lines_committed']} result lines committed; now {state}, ended "
            f"+{(ended_at or kill['time']) - t_load:.0f} s with "
            f"{figures['run_line_counts'].get(kill['run_id'], 0)} lines, resumed by {by}; "
            f"scheduled runs in all: {len(cron_runs)} (a second one would mean not resumed)",
        )
    else:
        check(
            "(d) the scheduled run the kill left running was resumed by the next cron call",
            False,
            f"the cron kill did not land inside a scheduled run: {kill.get('missed')}",
        )
    return sum(checks), len(checks) - sum(checks)


def main():  # noqa: PLR0915 - the script's sequence, step by step
    args = parse_args()
    os.environ["TZ"] = "UTC"
    time.tzset()
    seed_value = args.seed if args.seed is not None else random.randrange(1 << 20)
    random.seed(seed_value)

    def out_of_time(*_args):
        raise TimeoutError("load_fault: time budget exhausted")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.seconds + 1800)  # setup, load, end: everything stops by itself
    t_start = time.time()
    workdir = Path(tempfile.mkdtemp(prefix=f"load_fault_{args.db}_"))
    say(f"work folder {workdir} (client records, Odoo log); client seed {seed_value}")
    create_database(args.db)
    spec = seed(args.db)
    (workdir / "spec.json").write_text(json.dumps(spec))

    pg_log = pg_log_path()
    pg_offset = pg_log.stat().st_size if pg_log.exists() else 0
    server = OdooServer(args.db, args.port, workdir)
    clients, orchestrator, summary = [], None, {}
    t_load = time.time()
    try:
        server.start()
        orchestrator = Orchestrator(args, spec, server, workdir)
        orchestrator.admin.login("admin", "admin")
        say(f"Odoo workers: {server.workers()}")
        context = multiprocessing.get_context("spawn")
        stop, hold = context.Event(), context.Event()  # hold: the clients write nothing
        t_load = time.time()
        deadline = t_load + args.seconds
        clients = start_clients(
            context, server, args, spec, workdir, deadline, stop, hold, seed_value
        )
        say(f"{len(clients)} client processes for {args.seconds} s: {[c.name for c in clients]}")
        drive(orchestrator, args, t_load, deadline, hold)
        say("load over: stopping the clients")
        stop_clients(clients, stop)
        finish(orchestrator, server, args, spec, workdir, summary)
    finally:
        signal.alarm(0)
        for client in clients:
            if client.is_alive():
                client.terminate()
        code = server.stop()
        say(f"Odoo stopped (exit code {code})")
    signal.alarm(600)

    figures = collect(args, spec, workdir, pg_log, pg_offset, server)
    print()
    print("=" * 78)
    print(
        f"load_fault on {args.db}: {args.seconds} s of load, {time.time() - t_start:.0f} s in all "
        f"(client seed {seed_value}; records in {workdir})"
    )
    print("=" * 78)
    faults = (orchestrator.cron_kill, orchestrator.http_kill) if orchestrator else ()
    kills = [fault["time"] for fault in faults if fault and fault.get("time")]
    report_requests(figures["records"], kills)
    print("faults and events (seconds since the load started):")
    for stamp, text in orchestrator.events if orchestrator else []:
        print(f"  +{stamp - t_load:6.1f} s {text.strip()}")
    report_logs(figures, pg_log, server)
    report_runs(figures, spec, summary)
    passed, failed = run_checks(figures, summary, orchestrator, t_load)
    print(f"load_fault: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
