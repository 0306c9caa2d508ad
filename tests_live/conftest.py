"""Real Odoo, real database: the helpers of the live installation test.

Plain pytest (run with ``-p no:odoo``): the test drives ``python3 -m odoo`` in
subprocesses for the installations, and opens Odoo's registry in this process to build
the company's history and to check it, committing like any Odoo request does.

Environment:

- ``PP_CONF``: the Odoo configuration (default: ``.odoo/odoo.conf``, written by
  ``scripts/dev.sh setup``);
- ``PP_LIVE_DB``: the database (default: ``${PP_TEST_DB:-postproduction_test}_live``),
  dropped first and at the end unless ``PP_KEEP_DB`` is set;
- ``PP_LIVE_TIMEOUT``: seconds one Odoo installation may take (default 1800).
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import odoo
from odoo.modules.registry import Registry
from odoo.sql_db import close_db, db_connect

ROOT = Path(__file__).resolve().parent.parent
CONF = Path(os.environ.get("PP_CONF") or ROOT / ".odoo" / "odoo.conf")
DB = os.environ.get("PP_LIVE_DB") or f"{os.environ.get('PP_TEST_DB', 'postproduction_test')}_live"
TIMEOUT = int(os.environ.get("PP_LIVE_TIMEOUT", "1800"))
# An Odoo log line of level ERROR or CRITICAL: "2026-01-01 10:00:00,000 123 ERROR db logger: ..."
# The Odoo runs of the session, (command, seconds, exit code), and where their logs go.
RUNS = []
LOGS = []
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) .*$", re.MULTILINE)


class LiveOdoo:
    """One database, installed by Odoo's own command, read and written through its ORM."""

    def __init__(self, conf, db, logs):
        self.conf = conf
        self.db = db
        self.logs = logs
        self.runs = RUNS

    # ------------------------------------------------------------------ subprocesses
    def install(self, modules, *extra):
        """``python3 -m odoo server -i modules``, as a server in production would."""
        return self.odoo("server", "-i", modules, *extra, "--stop-after-init", "--no-http")

    def odoo(self, *args, addons_path=None, stdin=None, fails=False):
        """``python3 -m odoo <args>`` on the database (``addons_path`` instead of the
        configuration's), failing the test on a non-zero exit or an error line, or, when
        ``fails``, unless it exits non-zero; returns the seconds it took, or its output
        when it ``fails``."""
        self.release()
        cmd = [sys.executable, "-m", "odoo", *args[:1], "-c", str(self.conf), "-d", self.db]
        if addons_path:
            cmd.append(f"--addons-path={addons_path}")
        cmd += [*args[1:], "--log-level=warn"]
        log = self.logs / f"odoo-{len(self.runs) + 1}-{self.db}.log"
        start = time.monotonic()
        proc = subprocess.run(
            cmd, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=ROOT
        )
        elapsed = time.monotonic() - start
        output = proc.stdout + proc.stderr
        log.write_text(output)
        self.runs.append((" ".join(cmd[2:]), elapsed, proc.returncode))
        errors = LOG_ERROR.findall(output)
        if fails:
            if not proc.returncode:
                pytest.fail(f"`{' '.join(cmd[2:])}` should have failed (log {log})", pytrace=False)
            return output
        if proc.returncode or errors:
            tail = "\n".join(output.splitlines()[-40:])
            pytest.fail(
                f"`{' '.join(cmd[2:])}` failed (exit {proc.returncode}, "
                f"{len(errors)} error line(s), log {log}):\n{tail}",
                pytrace=False,
            )
        return elapsed

    # ------------------------------------------------------------------ in process
    def release(self):
        """Forget this process's registry and connections to the database: after an
        installation by another process, the next cursor loads the modules anew."""
        Registry.delete(self.db)
        close_db(self.db)

    @contextlib.contextmanager
    def env(self, commit=True, user=None):
        """An environment on a new cursor of the database's registry (superuser by
        default); committed at the end when ``commit``, else rolled back."""
        registry = Registry(self.db)
        cr = registry.cursor()
        try:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tz": "UTC"})
            if user:
                env = env(user=env.ref(user) if isinstance(user, str) else user)
            yield env
            if commit:
                cr.commit()
            else:
                cr.rollback()
        finally:
            cr.close()

    def drop(self):
        """Drop the database and its filestore, if they exist."""
        self.release()
        with contextlib.closing(db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        shutil.rmtree(odoo.tools.config.filestore(self.db), ignore_errors=True)


@pytest.fixture(scope="session")
def live_odoo(tmp_path_factory):
    """Odoo's configuration parsed in this process; the database not created yet."""
    if not CONF.is_file():
        pytest.exit(f"{CONF} is missing: run `scripts/dev.sh setup` first", returncode=2)
    odoo.tools.config.parse_config(["-c", str(CONF), "--log-level=warn"])
    logs = tmp_path_factory.mktemp("live_install")
    LOGS.append(logs)
    return LiveOdoo(CONF, DB, logs)


def pytest_terminal_summary(terminalreporter):
    """How long each Odoo installation took, and where its log and the snapshots are."""
    if not (RUNS or LOGS):
        return
    terminalreporter.section("live install")
    for command, elapsed, rc in RUNS:
        terminalreporter.write_line(f"{elapsed:6.1f}s  exit {rc}  {command}")
    for logs in LOGS:
        terminalreporter.write_line(f"Odoo logs and snapshots (JSON): {logs}")
