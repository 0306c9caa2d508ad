#!/usr/bin/env bash
# PostProduction developer commands: `scripts/dev.sh run` and `scripts/dev.sh test`
# (the Makefile's `make run` / `make test` call them).
#
# Everything the project needs is installed here except Odoo itself, which is found
# as `import odoo` or through ODOO_PATH (the folder that holds the `odoo` package).
# PostgreSQL runs as a private cluster in .pgdata/ on a local socket only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
PGPORT=${PP_PGPORT:-54329}
PGVERSION=${PP_PGVERSION:-15}
DB_USER=${PP_DB_USER:-odoo}
RUN_DB=${PP_DB:-postproduction}
TEST_DB=${PP_TEST_DB:-postproduction_test}
HTTP_PORT=${PP_HTTP_PORT:-8069}
STATE="$ROOT/.odoo"
# The repository's addons: PostProduction and its financial documents (auto-installed).
ADDONS=(postproduction postproduction_financial_document)
CONF="$STATE/odoo.conf"
export TZ=UTC
export PYTHONDONTWRITEBYTECODE=1
export PGOPTIONS="-c client_min_messages=warning"

say() { printf '\033[1m[postproduction]\033[0m %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

as_root() { [ "$(id -u)" = 0 ]; }

# ---------------------------------------------------------------- Odoo
odoo_pythonpath() {
    if [ -n "${ODOO_PATH:-}" ]; then
        [ -d "$ODOO_PATH/odoo" ] || die "ODOO_PATH=$ODOO_PATH does not hold an 'odoo' package folder."
        export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
    fi
}

require_odoo() {
    odoo_pythonpath
    if ! "$PYTHON" -c 'import sys, odoo.release as r; sys.exit(0 if r.version_info[0] == 18 else 3)' 2>/dev/null; then
        cat >&2 <<'EOF'
[postproduction] ERROR: Odoo 18.0 is required and `import odoo` fails (or finds another version).
  Install it beside this project, for example:
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git ../odoo
    pip install -r ../odoo/requirements.txt
  then either make it importable (pip install -e ../odoo) or point ODOO_PATH at the
  folder that holds the `odoo` package:  ODOO_PATH=../odoo make run
EOF
        exit 2
    fi
    ADDONS_BASE=$("$PYTHON" -c 'import os, odoo; print(os.path.join(os.path.dirname(odoo.__file__), "addons"))')
    # A source checkout keeps most addons in <repo>/addons, a packaged one in odoo/addons.
    local repo_addons
    repo_addons=$("$PYTHON" -c 'import os, odoo; print(os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons"))')
    ADDONS_PATH="$ADDONS_BASE"
    [ -d "$repo_addons/sale_timesheet" ] && ADDONS_PATH="$repo_addons,$ADDONS_PATH"
    ADDONS_PATH="$ADDONS_PATH,$ROOT"
}

# ---------------------------------------------------------------- packages
ensure_system_packages() {
    local missing=()
    [ -x "/usr/lib/postgresql/$PGVERSION/bin/initdb" ] || command -v initdb >/dev/null || missing+=("postgresql-$PGVERSION")
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    # the browser tests (Odoo's HttpCase tours) drive a headless Chromium
    command -v chromium >/dev/null || command -v google-chrome >/dev/null || missing+=(chromium)
    [ ${#missing[@]} -eq 0 ] && return 0
    if as_root && command -v apt-get >/dev/null; then
        say "installing ${missing[*]} from Debian"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        say "please install: ${missing[*]} (PostgreSQL >= 13 server, wkhtmltopdf for PDFs, Chromium for the browser tests)"
        [[ " ${missing[*]} " == *postgresql* ]] && exit 1
    fi
}

ensure_python_packages() {
    local stamp="$STATE/requirements.sha"
    local want
    want=$(sha1sum "$ROOT/requirements.txt" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
    say "installing Python packages from requirements.txt"
    "$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$ROOT/requirements.txt"
    mkdir -p "$STATE" && echo "$want" > "$stamp"
}

# ---------------------------------------------------------------- PostgreSQL
pg_bin() {
    if [ -x "/usr/lib/postgresql/$PGVERSION/bin/$1" ]; then echo "/usr/lib/postgresql/$PGVERSION/bin/$1"
    else command -v "$1" || die "PostgreSQL's $1 not found"; fi
}

# initdb refuses root: as root the cluster belongs to the unprivileged `postgres` user.
pg_user() { if as_root; then echo postgres; else id -un; fi; }
as_pg() {
    if as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_paths() {
    PGDATA="$ROOT/.pgdata/data"
    PGSOCK="$ROOT/.pgdata/run"
    # The socket path must stay under the kernel's 107 bytes, and the cluster owner
    # must be able to reach the project folder; otherwise keep the cluster in /var/tmp.
    if [ ${#PGSOCK} -gt 80 ] || { as_root && ! runuser -u postgres -- test -x "$ROOT"; }; then
        local key
        key=$(echo "$ROOT" | sha1sum | cut -c1-10)
        PGDATA="/var/tmp/postproduction-pg-$key/data"
        PGSOCK="/var/tmp/postproduction-pg-$key/run"
    fi
}

ensure_pg_user() {
    if as_root && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
}

pg_start() {
    pg_paths
    ensure_pg_user
    local base
    base=$(dirname "$PGDATA")
    mkdir -p "$base"
    as_root && chown "$(pg_user)" "$base"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        say "creating a private PostgreSQL cluster in $PGDATA"
        as_pg "$(pg_bin initdb)" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_pg mkdir -p "$PGSOCK"
    if ! as_pg "$(pg_bin pg_ctl)" -D "$PGDATA" status >/dev/null 2>&1; then
        say "starting PostgreSQL on socket $PGSOCK (port $PGPORT, no TCP)"
        as_pg "$(pg_bin pg_ctl)" -D "$PGDATA" -l "$PGDATA/../postgres.log" -w -t 60 \
            -o "-c listen_addresses='' -c unix_socket_directories='$PGSOCK' -p $PGPORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null
    fi
    # the Odoo role: not `postgres` (Odoo refuses it), may create databases
    as_pg "$(pg_bin psql)" -h "$PGSOCK" -p "$PGPORT" -U postgres -d postgres -qtAc \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN CREATE ROLE \"$DB_USER\" LOGIN SUPERUSER; END IF; END\$\$;" >/dev/null
    export PGHOST="$PGSOCK" PGPORT PGUSER="$DB_USER"
}

pg_stop() {
    pg_paths
    [ -f "$PGDATA/PG_VERSION" ] || return 0
    as_pg "$(pg_bin pg_ctl)" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}

db_exists() {
    [ "$("$(pg_bin psql)" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

# ---------------------------------------------------------------- Odoo config
write_conf() {
    mkdir -p "$STATE/data"
    cat > "$CONF" <<EOF
[options]
addons_path = $ADDONS_PATH
data_dir = $STATE/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $DB_USER
db_password = False
http_port = $HTTP_PORT
http_interface = 127.0.0.1
admin_passwd = admin
list_db = True
without_demo = False
log_level = info
EOF
}

odoo_cmd() { "$PYTHON" -m odoo "$@"; }

setup() {
    ensure_system_packages
    ensure_python_packages
    require_odoo
    pg_start
    write_conf
}

# PP_INSTALL: the modules to install (default: postproduction alone).
install_db() {
    local db=$1; shift
    local modules=${PP_INSTALL:-postproduction}
    say "creating database $db with $modules $*"
    odoo_cmd server -c "$CONF" -d "$db" -i "$modules" "$@" --stop-after-init \
        --log-level=warn --no-http
}

# A fingerprint of the addons' files, to upgrade the run database when they change.
module_fingerprint() {
    (cd "$ROOT" && find "${ADDONS[@]}" -type f ! -name '*.pyc' -print0 | sort -z \
        | xargs -0 sha1sum | sha1sum | cut -d' ' -f1)
}

# ---------------------------------------------------------------- commands
cmd_run() {
    setup
    local stamp="$STATE/$RUN_DB.fingerprint"
    if ! db_exists "$RUN_DB"; then
        install_db "$RUN_DB"
        module_fingerprint > "$stamp"
    elif [ "$(cat "$stamp" 2>/dev/null)" != "$(module_fingerprint)" ]; then
        say "the module changed: upgrading it in $RUN_DB"
        odoo_cmd server -c "$CONF" -d "$RUN_DB" -u postproduction --stop-after-init \
            --log-level=warn --no-http
        module_fingerprint > "$stamp"
    fi
    say "Odoo on http://localhost:$HTTP_PORT  (database $RUN_DB, login admin / admin)"
    exec "$PYTHON" -m odoo server -c "$CONF" -d "$RUN_DB" --db-filter="^$RUN_DB\$"
}

cmd_test() {
    setup
    local rc=0
    say "pure tests (no Odoo)"
    "$PYTHON" -m pytest -q -p no:odoo -p no:cacheprovider "$ROOT/tests" || rc=1
    say "static checks"
    "$ROOT/scripts/static_checks.sh" || rc=1
    "$(pg_bin dropdb)" --if-exists "$TEST_DB"
    rm -rf "$STATE/data/filestore/$TEST_DB"
    # with Odoo's Time Off beside it, as in many live databases: its timesheets must pass
    PP_INSTALL=postproduction,project_timesheet_holidays install_db "$TEST_DB" \
        || { say "installation failed"; exit 1; }
    say "upgrade (-u postproduction)"
    odoo_cmd server -c "$CONF" -d "$TEST_DB" -u postproduction --stop-after-init \
        --log-level=warn --no-http || rc=1
    say "Odoo tests (pytest-odoo on $TEST_DB)"
    (cd "$ROOT" && "$PYTHON" -m pytest -p no:cacheprovider --odoo-config="$CONF" \
        --odoo-database="$TEST_DB" --odoo-log-level=warn --odoo-http \
        --odoo-extra=log-handler=odoo.tests.common:CRITICAL "${ADDONS[@]/%//tests}" "${PYTEST_ARGS[@]}") || rc=1
    if [ -z "${PP_KEEP_DB:-}" ]; then
        "$(pg_bin dropdb)" --if-exists "$TEST_DB"
        rm -rf "$STATE/data/filestore/$TEST_DB"
    fi
    live_install_tests || rc=1
    # Odoo's own tests of the modules we extend, post-install and at-install (upgraded
    # beside PostProduction): every one that passes in plain Odoo passes with us.
    (PP_SUITES_AT_INSTALL=${PP_SUITES_AT_INSTALL-1} cmd_odoo_suites) || rc=1
    if [ -n "${PP_NODEMO_CHECK:-1}" ]; then
        say "installation without demo data"
        "$(pg_bin dropdb)" --if-exists "${TEST_DB}_nodemo"
        install_db "${TEST_DB}_nodemo" --without-demo=all || rc=1
        "$(pg_bin dropdb)" --if-exists "${TEST_DB}_nodemo"
        rm -rf "$STATE/data/filestore/${TEST_DB}_nodemo"
    fi
    [ $rc = 0 ] && say "all green" || say "FAILED"
    return $rc
}

# The live installation test (tests_live/, plain pytest on real Odoo): a company invoices
# its timesheets with Odoo alone on ${TEST_DB}_live, then installs PostProduction there
# (two `odoo -i` runs, no demo data); nothing it recorded may move, the next timesheet
# moves only its line and the next months invoice natively to the cent.
live_install_tests() {
    say "live installation (tests_live on ${TEST_DB}_live)"
    (cd "$ROOT" && PP_CONF="$CONF" PP_TEST_DB="$TEST_DB" "$PYTHON" -m pytest -p no:odoo \
        -p no:cacheprovider -v tests_live "$@")
}

cmd_live_install() {
    setup
    live_install_tests "${PYTEST_ARGS[@]}"
}

# Regenerate each addon's i18n/<addon>.pot from a fresh database and merge it into its .po files.
cmd_pot() {
    setup
    local db="${TEST_DB}_i18n" addon i18n po
    "$(pg_bin dropdb)" --if-exists "$db"
    install_db "$db" --without-demo=all
    for addon in "${ADDONS[@]}"; do
        i18n="$ROOT/$addon/i18n"
        mkdir -p "$i18n"
        odoo_cmd server -c "$CONF" -d "$db" --i18n-export="$i18n/$addon.pot" \
            --modules="$addon" --stop-after-init --log-level=warn --no-http
        for po in "$i18n"/*.po; do
            [ -f "$po" ] || continue
            msgmerge --quiet --update --no-fuzzy-matching --backup=none "$po" "$i18n/$addon.pot"
            say "merged $addon/$(basename "$po"): $(msgattrib --untranslated "$po" | grep -c '^msgid' || true) untranslated"
        done
    done
    "$(pg_bin dropdb)" --if-exists "$db"
    rm -rf "$STATE/data/filestore/$db"
}

# Odoo's own post-install test suites of the modules PostProduction extends, run by
# Odoo's test runner on a fresh database with PostProduction (no demo data). A failing
# test fails the command unless scripts/odoo_suites_known_failures.txt lists it (tests
# that fail in plain Odoo too: compare with PP_SUITES_WITHOUT=1, Odoo without us).
cmd_odoo_suites() {
    setup
    local db="${TEST_DB}_suites" without=${PP_SUITES_WITHOUT:-}
    local install=${PP_SUITES_INSTALL:-postproduction}
    [ -n "$without" ] && install=${PP_SUITES_INSTALL:-sale_timesheet,sale_expense,project_purchase,sale_management}
    local modules=${PP_SUITES_MODULES:-sale_timesheet,hr_timesheet,sale_expense,project_purchase,sale_project,account_edi_ubl_cii}
    local log=${PP_SUITES_LOG:-${TMPDIR:-/tmp}/odoo_suites_$([ -n "$without" ] && echo without || echo with).log}
    local known="$ROOT/scripts/odoo_suites_known_failures.txt"
    local port=${PP_SUITES_HTTP_PORT:-8079}
    # Odoo 18's tag syntax is [-][tag][/module][:class][.method]
    local tags m update=()
    tags=$(for m in ${modules//,/ }; do printf 'post_install/%s,' "$m"; done)
    tags=${tags%,}
    if [ -n "${PP_SUITES_AT_INSTALL:-}" ]; then
        # Also their at_install tests: Odoo runs them while it upgrades each module (-u),
        # with only that module and its dependencies loaded, on the database (columns,
        # triggers) of every installed module, ours included.
        tags=${tags//post_install\//\/}
        update=(-u "$modules")
    fi
    command -v chromium >/dev/null || command -v google-chrome >/dev/null \
        || say "WARNING: no Chromium: Odoo skips its browser tours"
    "$(pg_bin dropdb)" --if-exists "$db"
    rm -rf "$STATE/data/filestore/$db"
    say "creating database $db with $install (no demo data)"
    odoo_cmd server -c "$CONF" -d "$db" -i "$install" --without-demo=all --stop-after-init \
        --log-level=warn --no-http || die "installation failed"
    say "Odoo's tests $tags (log: $log)"
    local t0=$SECONDS odoo_rc=0 rc=0
    odoo_cmd server -c "$CONF" -d "$db" "${update[@]}" --test-tags "$tags" --stop-after-init \
        --http-port "$port" --http-interface 127.0.0.1 --log-level=info > "$log" 2>&1 || odoo_rc=$?
    say "tests ran in $((SECONDS - t0)) s (Odoo's exit code $odoo_rc)"
    "$PYTHON" - "$log" "$known" "$odoo_rc" <<'PY' || rc=1
import re, sys

log_path, known_path, odoo_rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
# "<date> <time> <pid> <LEVEL> <db> <logger>: FAIL: Class.method" (or ERROR: ...)
LINE = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<msg>.*)$')
RESULT = re.compile(r'^(FAIL|ERROR): (.*)$')
HOLDER = re.compile(r'^(\w+) \(([\w.]+)\)$')      # setUpClass (odoo.addons.m.tests.f.Class)
SUMMARY = re.compile(r'(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database')
FIXTURES = ('setUpClass', 'tearDownClass', 'setUpModule', 'tearDownModule')

def addon(dotted):
    m = re.match(r'odoo\.addons\.(\w+)\.', dotted + '.')
    return m.group(1) if m else dotted

def test_id(logger, desc):
    holder = HOLDER.match(desc)
    if holder:                                      # a class or module fixture failed
        return '%s.%s.%s' % (addon(holder.group(2)), holder.group(2).rsplit('.', 1)[-1], holder.group(1))
    if desc.startswith('Subtest '):                 # Subtest Class.method (params)
        desc = desc[len('Subtest '):].split(' ', 1)[0]
    return '%s.%s' % (addon(logger), desc)

failures, current, summary = {}, None, None        # test id -> (kind, traceback lines)
with open(log_path, errors='replace') as f:
    for raw in f:
        line = raw.rstrip('\n')
        m = LINE.match(line)
        if m:
            current = None
            s = SUMMARY.search(m.group('msg'))
            if s:
                summary = tuple(map(int, s.groups()))
            r = RESULT.match(m.group('msg')) if m.group('level') in ('ERROR', 'CRITICAL') else None
            if r:
                tid = test_id(m.group('logger'), r.group(2))
                failures.setdefault(tid, (r.group(1), []))
                current = failures[tid][1]
        elif current is not None:
            current.append(line)

known = {}
with open(known_path) as f:
    for raw in f:
        entry = raw.split('#', 1)[0].strip()
        if entry:
            known[entry] = raw.strip()

def is_known(tid):
    return any(tid == k or tid.endswith('.' + k) for k in known)

def last_line(tb):
    """The exception's line (psycopg2 appends DETAIL and CONTEXT lines after it)."""
    lines = [l.strip() for l in tb if l.strip()]
    exceptions = [l for l in lines if re.match(r'^[\w.]+(Error|Exception|Violation|Failure)\b', l)]
    return (exceptions or lines or [''])[-1][:300]

problems = []
if summary is None:
    problems.append('no test summary in the log: Odoo stopped before the end (exit code %d)' % odoo_rc)
    failed, errors, total = 0, 0, 0
else:
    failed, errors, total = summary
    print("Odoo's summary: %d failed, %d error(s) of %d tests" % summary)
    if failed + errors != len(failures):
        # a test with failing subtests counts once per subtest
        print('note: %d failures/errors counted by Odoo, %d distinct failing tests in the log'
              % (failed + errors, len(failures)))
    if odoo_rc and not failures:
        problems.append('Odoo exited with code %d but no failing test was logged' % odoo_rc)

known_hits = [t for t in failures if is_known(t)]
unexpected = [t for t in failures if not is_known(t)]
print('known failures (fail in Odoo without PostProduction too): %d' % len(known_hits))
for t in known_hits:
    print('  %-7s %s' % (failures[t][0], t))
print('failures not in %s: %d' % (known_path.rsplit('/', 1)[-1], len(unexpected)))
for t in unexpected:
    print('  %-7s %s\n          %s' % (failures[t][0], t, last_line(failures[t][1])))
def ran(k):                                         # some test of its class started
    cls = k.split('.')[-2] if k.count('.') >= 1 else k
    return ('Starting %s.' % cls) in text

text = open(log_path, errors='replace').read()
gone = [k for k in known if ran(k) and not any(t == k or t.endswith('.' + k) for t in failures)]
if gone and summary is not None:
    print('listed as known failures but did not fail: %s' % ', '.join(gone))
for p in problems:
    print('ERROR: ' + p)
tests_failed = {t for t in failures if not t.endswith(FIXTURES)}
passed = max(total - len(tests_failed), 0)
bad = len(unexpected) + len(problems)
print('odoo suites: %d passed, %d failed' % (passed, bad))
sys.exit(1 if bad else 0)
PY
    if [ -z "${PP_KEEP_DB:-}" ]; then
        "$(pg_bin dropdb)" --if-exists "$db"
        rm -rf "$STATE/data/filestore/$db"
    else
        say "database $db kept (PP_KEEP_DB)"
    fi
    return $rc
}

cmd=${1:-}
shift || true
PYTEST_ARGS=("$@")
case "$cmd" in
    run) cmd_run ;;
    pot) cmd_pot ;;
    test) cmd_test ;;
    odoo-suites) cmd_odoo_suites ;;
    live-install) cmd_live_install ;;
    pg-start) ensure_system_packages; pg_start; echo "export PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER" ;;
    pg-stop) pg_stop ;;
    setup) setup; echo "config: $CONF" ;;
    *) echo "usage: $0 run | test [pytest args] | pot | odoo-suites | live-install [pytest args] | setup | pg-start | pg-stop" >&2; exit 64 ;;
esac
