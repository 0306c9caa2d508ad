"""The template database the benchmarks copy: Odoo with PostProduction's dependencies.

Both benchmarks start from ``pp_base`` (Odoo's modules that PostProduction depends on,
without demo data), so that each scratch database costs a copy, not an installation of
Odoo. ``ensure_template()`` builds it the first time, with Odoo's own command, on the
cluster the environment points at (``scripts/dev.sh pg-start``).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".odoo" / "odoo.conf"
TEMPLATE = "pp_base"
#: Databases the scripts never drop or fill: the cluster's own, the template, the
#: developers' and the test suite's.
PROTECTED = frozenset(
    {
        "postgres",
        "template0",
        "template1",
        "pp_base",
        "pp_dev",
        "pp_dash",
        "pp_fin",
        "pp_bench",
        "postproduction",
        "postproduction_test",
    }
)
DEPENDENCIES = "sale_timesheet,sale_expense,project_purchase,sale_management"


def _require_cluster():
    if not CONFIG.is_file():
        sys.exit(f"{CONFIG} is missing: run `scripts/dev.sh setup` first.")
    if not os.environ.get("PGHOST"):
        sys.exit(
            'PostgreSQL is not set: run `eval "$(scripts/dev.sh pg-start | tail -n 1)"` first.'
        )


def template_exists():
    _require_cluster()
    found = subprocess.run(
        [
            "psql",
            "-d",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip() == "1"


def ensure_template(say=print):
    """Create ``pp_base`` with PostProduction's dependencies when it does not exist."""
    if template_exists():
        return
    say(f"creating the template {TEMPLATE} ({DEPENDENCIES}, no demo data): a few minutes")
    install(TEMPLATE, DEPENDENCIES)


def install(db, modules):
    """``odoo -i modules`` on ``db`` without demo data, as a server in production would."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "server",
            "-c",
            str(CONFIG),
            "-d",
            db,
            "-i",
            modules,
            "--without-demo=all",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        check=True,
        cwd=ROOT,
    )
