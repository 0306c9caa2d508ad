#!/usr/bin/env bash
# ruff, pylint-odoo (the OCA checks) and well-formed XML; non-zero on any finding.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
cd "$ROOT" || exit 1
rc=0
"$PYTHON" -m ruff check . || rc=1
"$PYTHON" -m ruff format --check . || rc=1
"$PYTHON" -m pylint --rcfile=.pylintrc postproduction postproduction_financial_document || rc=1
for f in $(git ls-files '*.xml' 2>/dev/null || find postproduction postproduction_financial_document -name '*.xml'); do
    "$PYTHON" -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$f" \
        || { echo "XML not well-formed: $f"; rc=1; }
done
[ $rc = 0 ] && echo "static checks: ok"
exit $rc
