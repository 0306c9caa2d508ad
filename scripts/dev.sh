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

install_db() {
    local db=$1; shift
    say "creating database $db with PostProduction $*"
    odoo_cmd server -c "$CONF" -d "$db" -i postproduction "$@" --stop-after-init \
        --log-level=warn --no-http
}

# A fingerprint of the module's files, to upgrade the run database when they change.
module_fingerprint() {
    (cd "$ROOT" && find postproduction -type f ! -name '*.pyc' -print0 | sort -z \
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
    install_db "$TEST_DB" || { say "installation failed"; exit 1; }
    say "upgrade (-u postproduction)"
    odoo_cmd server -c "$CONF" -d "$TEST_DB" -u postproduction --stop-after-init \
        --log-level=warn --no-http || rc=1
    say "Odoo tests (pytest-odoo on $TEST_DB)"
    (cd "$ROOT" && "$PYTHON" -m pytest -p no:cacheprovider --odoo-config="$CONF" \
        --odoo-database="$TEST_DB" --odoo-log-level=warn --odoo-http \
        --odoo-extra=log-handler=odoo.tests.common:CRITICAL postproduction/tests "${PYTEST_ARGS[@]}") || rc=1
    if [ -z "${PP_KEEP_DB:-}" ]; then
        "$(pg_bin dropdb)" --if-exists "$TEST_DB"
        rm -rf "$STATE/data/filestore/$TEST_DB"
    fi
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

# Regenerate i18n/postproduction.pot from a fresh database and merge it into the .po files.
cmd_pot() {
    setup
    local db="${TEST_DB}_i18n" i18n="$ROOT/postproduction/i18n"
    "$(pg_bin dropdb)" --if-exists "$db"
    install_db "$db" --without-demo=all
    mkdir -p "$i18n"
    odoo_cmd server -c "$CONF" -d "$db" --i18n-export="$i18n/postproduction.pot" \
        --modules=postproduction --stop-after-init --log-level=warn --no-http
    "$(pg_bin dropdb)" --if-exists "$db"
    rm -rf "$STATE/data/filestore/$db"
    for po in "$i18n"/*.po; do
        [ -f "$po" ] || continue
        msgmerge --quiet --update --no-fuzzy-matching --backup=none "$po" "$i18n/postproduction.pot"
        say "merged $(basename "$po"): $(msgattrib --untranslated "$po" | grep -c '^msgid' || true) untranslated"
    done
}

cmd=${1:-}
shift || true
PYTEST_ARGS=("$@")
case "$cmd" in
    run) cmd_run ;;
    pot) cmd_pot ;;
    test) cmd_test ;;
    pg-start) ensure_system_packages; pg_start; echo "export PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER" ;;
    pg-stop) pg_stop ;;
    setup) setup; echo "config: $CONF" ;;
    *) echo "usage: $0 run | test [pytest args] | pot | setup | pg-start | pg-stop" >&2; exit 64 ;;
esac
