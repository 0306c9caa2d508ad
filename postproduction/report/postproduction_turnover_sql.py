"""The SQL of the dashboard: four views, each a ``CREATE VIEW`` body.

``postproduction_turnover_delivery``
    the deliveries that attract activity (not draft, active) with the order they are
    correlated with, how many orders they have, and their order line's price and unit.
``postproduction_turnover_line``
    one line per thing that happened, attributed to a (project, order or none, month):
    timesheets, re-invoiced expenses and purchases, instalments of schedule orders and
    customer invoice lines.
``postproduction_turnover_activity``
    the same lines less the timesheets of projects that are neither billable nor
    delivered; the dashboard's buttons read it to open the timesheets or invoices of a row.
``postproduction_turnover``
    the model's view: the activity summed per (project, order, month), with the facts of
    the diagnosis and the status (``calc.diagnosis``).

Every month is ``date_trunc('month', <date>::timestamp)::date``; the indexes created by
the model use the same expressions so that the month asked for reaches the scans. The
lines are summed first per (project, order, month, kind, correlation, approval) with three
aggregates, joined to the projects then, and only then pivoted: a month's hundred thousand
timesheet lines go through as few joins and aggregates as possible. Amounts are summed in
``float8`` and rounded to the currency at the end.
"""

import hashlib

from odoo.tools import SQL

from ..calc import diagnosis, turnover_key

DELIVERY_VIEW = "postproduction_turnover_delivery"
LINE_VIEW = "postproduction_turnover_line"
ACTIVITY_VIEW = "postproduction_turnover_activity"
#: The rows of one month, planned once per database connection (``month_function_ddl``).
MONTH_FUNCTION = "postproduction_turnover_month"
#: The sums of the timesheet lines per group, kept by triggers (``timesheet_month_ddl``).
TIMESHEET_MONTH_TABLE = "postproduction_timesheet_month"

#: The ids given to the rows, per key (``turnover_key``): ``serial`` keeps them in 32 bits.
ROW_TABLE = "postproduction_turnover_row"
ROW_TABLE_DDL = f"""
    CREATE TABLE IF NOT EXISTS {ROW_TABLE} (
        id serial PRIMARY KEY,
        period date NOT NULL,
        project_id integer NOT NULL,
        order_id integer NOT NULL,
        company_id integer NOT NULL,
        UNIQUE (period, project_id, order_id, company_id))"""

#: The month of an analytic line; the indexes ``postproduction_aal_*_month_idx`` match it.
ANALYTIC_MONTH = "date_trunc('month', al.date::timestamp)::date"

#: The month an invoice bills; the index ``postproduction_move_month_idx`` matches it.
INVOICE_MONTH = (
    "date_trunc('month', COALESCE(m.postproduction_period, m.invoice_date, m.date)::timestamp)"
    "::date"
)

# The units with their factor in float8, converted once per unit rather than once per row
# (``OFFSET 0`` keeps PostgreSQL from pulling the conversion up into the joins).
_UOM = "(SELECT id, category_id, factor::float8 AS factor FROM uom_uom OFFSET 0)"


def _uom_factor(xmlid):
    return f"""(SELECT u.factor::float8 FROM uom_uom u
                  JOIN ir_model_data imd ON imd.res_id = u.id AND imd.model = 'uom.uom'
                 WHERE imd.module = 'uom' AND imd.name = '{xmlid}')"""


def _order_project(order):
    """The project of an order: its deliveries' (the first), else its own project."""
    return f"""COALESCE(
        (SELECT MIN(od.project_id)
           FROM postproduction_delivery_sale_order_rel odr
           JOIN postproduction_delivery od ON od.id = odr.delivery_id
          WHERE odr.order_id = {order}.id AND od.active),
        {order}.project_id)"""


def _line_project(line, order):
    """The project of an order line: its delivery's, else its order's, else its own."""
    return f"""COALESCE(
        (SELECT MIN(ld.project_id) FROM postproduction_delivery ld
          WHERE ld.sale_line_id = {line}.id AND ld.active),
        {_order_project(order)},
        {line}.project_id)"""


def _correlation(delivery):
    return f"""CASE WHEN {delivery}.id IS NULL OR {delivery}.order_count = 1 THEN 'ok'
                    WHEN {delivery}.order_count = 0 THEN 'no_order'
                    ELSE 'multiple_orders' END"""


# A timesheet belongs to the delivery of its consultant on its project covering its date;
# without one, to its order line (standard Odoo). This attribution is shared by the lines
# (for the buttons) and by the groups summed for the dashboard.
_RESOURCE_DELIVERY = """(SELECT id, project_id, employee_id, date_start, date_end,
                                 sale_line_id, daily_rate, correlation_status
                            FROM postproduction_delivery
                           WHERE kind = 'resource' AND state != 'draft' AND active)"""
_LINE_DELIVERY = f"""
      LEFT JOIN {_RESOURCE_DELIVERY} da
             ON da.project_id = al.project_id AND da.employee_id = al.employee_id
            AND al.date BETWEEN da.date_start AND da.date_end"""
# What the valuation needs of a timesheet (or group) ``{source}`` attributed to ``da``.
_ATTRIBUTED = """da.id AS delivery_id, da.sale_line_id AS delivery_line_id, da.daily_rate,
                 da.correlation_status,
                 CASE WHEN da.id IS NULL THEN NULLIF({source}.so_line, 0) END AS sale_line_id,
                 NULLIF({source}.product_uom_id, 0) AS product_uom_id,
                 {source}.approval_state, {source}.company_id"""

# The key of a group, from a line ``r``: no column is NULL, so that one unique index
# (any PostgreSQL version) finds a group again; 0 stands for no consultant, order line or
# unit (``company_id`` and ``approval_state`` are required, ``date`` too).
_GROUP_KEY = {
    "period": "date_trunc('month', {r}.date::timestamp)::date",
    "project_id": "{r}.project_id",
    "employee_id": "COALESCE({r}.employee_id, 0)",
    "so_line": "COALESCE({r}.so_line, 0)",
    "product_uom_id": "COALESCE({r}.product_uom_id, 0)",
    "approval_state": "{r}.approval_state",
    "company_id": "{r}.company_id",
}
# The dashboard does not read a month's timesheet lines: it reads their sums per
# (project, consultant, order line, unit, approval, company, month), kept up to date by
# triggers in ``TIMESHEET_MONTH_TABLE`` (see ``timesheet_month_ddl``), with the first and
# last date of each group's lines. A group whose dates no delivery boundary cuts (no
# delivery of its consultant on its project starts or ends strictly inside them) belongs
# as a whole to the deliveries covering its first date, exactly as each of its lines
# would; the lines of the rare groups a boundary cuts are read one by one.
_CUT_BY_A_DELIVERY = f"""EXISTS (
    SELECT 1 FROM {_RESOURCE_DELIVERY} cd
     WHERE cd.project_id = g.project_id AND cd.employee_id = g.employee_id
       AND ((cd.date_start > g.date_first AND cd.date_start <= g.date_last)
            OR (cd.date_end >= g.date_first AND cd.date_end < g.date_last)))"""

# The groups no boundary cuts, and the lines of those it cuts, with their attribution.
TIMESHEET_GROUP_QUERY = f"""
    SELECT g.project_id, g.period, {_ATTRIBUTED.format(source="g")},
           g.hours::float8 AS hours, g.line_count
      FROM {TIMESHEET_MONTH_TABLE} g
      LEFT JOIN {_RESOURCE_DELIVERY} da
             ON da.project_id = g.project_id AND da.employee_id = g.employee_id
            AND g.date_first BETWEEN da.date_start AND da.date_end
     WHERE NOT {_CUT_BY_A_DELIVERY}
    UNION ALL
    SELECT al.project_id, g.period, {_ATTRIBUTED.format(source="al")},
           COALESCE(al.unit_amount, 0) AS hours, 1 AS line_count
      FROM (SELECT {", ".join(f"g.{name}" for name in _GROUP_KEY)}
              FROM {TIMESHEET_MONTH_TABLE} g
             WHERE {_CUT_BY_A_DELIVERY}
             GROUP BY {", ".join(f"g.{name}" for name in _GROUP_KEY)}) g
      JOIN account_analytic_line al
        ON {ANALYTIC_MONTH} = g.period AND al.project_id = g.project_id
       AND al.employee_id = g.employee_id AND COALESCE(al.so_line, 0) = g.so_line
       AND COALESCE(al.product_uom_id, 0) = g.product_uom_id
       AND al.approval_state = g.approval_state AND al.company_id = g.company_id
      {_LINE_DELIVERY}
"""

# ---------------------------------------------------------------- the timesheet sums
_TIMESHEET_MONTH_FUNCTION = "postproduction_timesheet_month_sync"
_TIMESHEET_MONTH_TRIGGERS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}

# The columns of a line that its group and sums depend on.
_LINE_COLUMNS = (
    "date",
    "project_id",
    "employee_id",
    "so_line",
    "product_uom_id",
    "approval_state",
    "company_id",
    "unit_amount",
)


def _group_sums(rows, sign="1"):
    """``SELECT`` the group sums of the lines of ``rows`` (a table, alias ``r``)."""
    keys = ", ".join(expression.format(r="r") for expression in _GROUP_KEY.values())
    columns = ", ".join(
        f"{expression.format(r='r')} AS {name}" for name, expression in _GROUP_KEY.items()
    )
    return f"""
        SELECT {columns}, MIN(r.date), MAX(r.date),
               SUM({sign} * COALESCE(r.unit_amount, 0)::numeric), SUM({sign})
          FROM {rows} r
         WHERE r.project_id IS NOT NULL
         GROUP BY {keys}"""


def _add_to_groups(rows, removes=True):
    """Add the signed sums of ``rows`` (with a ``sign`` column) to the groups.

    When lines may go (``removes``), the groups left without line are deleted.
    """
    names = ", ".join(_GROUP_KEY)
    insert = f"""
        INSERT INTO {TIMESHEET_MONTH_TABLE} AS t
               ({names}, date_first, date_last, hours, line_count)
        {_group_sums(rows, "r.sign")}
         ORDER BY {names}
        ON CONFLICT ({names}) DO UPDATE
           SET date_first = LEAST(t.date_first, EXCLUDED.date_first),
               date_last = GREATEST(t.date_last, EXCLUDED.date_last),
               hours = t.hours + EXCLUDED.hours,
               line_count = t.line_count + EXCLUDED.line_count;"""
    if not removes:
        return insert
    return f"""{insert}
        DELETE FROM {TIMESHEET_MONTH_TABLE} t
         USING (SELECT DISTINCT {", ".join(_GROUP_KEY[name].format(r="r") for name in _GROUP_KEY)}
                  FROM {rows} r WHERE r.project_id IS NOT NULL AND r.sign < 0) k ({names})
         WHERE t.line_count = 0
           AND {" AND ".join(f"t.{name} = k.{name}" for name in _GROUP_KEY)};"""


def _changed(old, new):
    """Whether the line ``old`` became ``new`` in another group or with other hours."""
    return " OR ".join(
        f"{old}.{column} IS DISTINCT FROM {new}.{column}" for column in _LINE_COLUMNS
    )


_LINES = ", ".join(f"r.{column}" for column in _LINE_COLUMNS)


# The lines an update moves: subtracted as they were, added as they are.
_UPDATED_LINES = f"""(
    SELECT {_LINES}, 1 AS sign FROM new_rows r JOIN old_rows o ON o.id = r.id
     WHERE {_changed("o", "r")}
    UNION ALL
    SELECT {_LINES}, -1 AS sign FROM old_rows r JOIN new_rows n ON n.id = r.id
     WHERE {_changed("r", "n")})"""


def _timesheet_month_table_ddl():
    names = ", ".join(_GROUP_KEY)
    return [
        f"DROP TABLE IF EXISTS {TIMESHEET_MONTH_TABLE}",
        f"""CREATE TABLE {TIMESHEET_MONTH_TABLE} (
                period date NOT NULL,
                project_id integer NOT NULL,
                employee_id integer NOT NULL,
                so_line integer NOT NULL,
                product_uom_id integer NOT NULL,
                approval_state varchar NOT NULL,
                company_id integer NOT NULL,
                date_first date NOT NULL,
                date_last date NOT NULL,
                hours numeric NOT NULL,
                line_count bigint NOT NULL)""",
        f"""CREATE UNIQUE INDEX {TIMESHEET_MONTH_TABLE}_key_idx
                ON {TIMESHEET_MONTH_TABLE} ({names})""",
    ]


def _timesheet_month_backfill():
    names = ", ".join(_GROUP_KEY)
    return f"""INSERT INTO {TIMESHEET_MONTH_TABLE}
                   ({names}, date_first, date_last, hours, line_count)
            {_group_sums("account_analytic_line")}"""


def _timesheet_month_triggers_ddl():
    function = f"""
        CREATE OR REPLACE FUNCTION {_TIMESHEET_MONTH_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_add_to_groups(f"(SELECT {_LINES}, 1 AS sign FROM new_rows r)", removes=False)}
            ELSIF TG_OP = 'DELETE' THEN
                {_add_to_groups(f"(SELECT {_LINES}, -1 AS sign FROM old_rows r)")}
            ELSIF TG_OP = 'UPDATE' THEN
                {_add_to_groups(_UPDATED_LINES)}
            ELSIF TG_OP = 'TRUNCATE' THEN
                TRUNCATE {TIMESHEET_MONTH_TABLE};
            END IF;
            RETURN NULL;
        END
        $body$"""
    statements = [function]
    for operation, referencing in _TIMESHEET_MONTH_TRIGGERS.items():
        trigger = f"{TIMESHEET_MONTH_TABLE}_{operation.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger} ON account_analytic_line",
            f"""CREATE TRIGGER {trigger} AFTER {operation} ON account_analytic_line
                {referencing} FOR EACH STATEMENT
                EXECUTE FUNCTION {_TIMESHEET_MONTH_FUNCTION}()""",
        ]
    trigger = f"{TIMESHEET_MONTH_TABLE}_truncate"
    statements += [
        f"DROP TRIGGER IF EXISTS {trigger} ON account_analytic_line",
        f"""CREATE TRIGGER {trigger} AFTER TRUNCATE ON account_analytic_line
            FOR EACH STATEMENT EXECUTE FUNCTION {_TIMESHEET_MONTH_FUNCTION}()""",
    ]
    return statements


def timesheet_month_fingerprint():
    """What the timesheet sums are: their table and how a line is summed. The sums are
    rebuilt only when this changes, not on every upgrade of the module."""
    definition = "\n".join(
        [*_timesheet_month_table_ddl(), _timesheet_month_backfill(), _add_to_groups("x")]
    )
    return "postproduction " + hashlib.sha1(definition.encode()).hexdigest()


def timesheet_month_ddl(rebuild=True):
    """The table of the timesheet sums, the triggers that keep it, and its backfill.

    Statement-level triggers with transition tables on ``account_analytic_line`` add the
    lines inserted, subtract the lines deleted, and move the lines whose group or hours an
    update changes; a group whose last line goes is deleted. The triggers see every
    write, through the ORM or not, and roll back with it. The first and last dates of a
    group only widen when lines go: a wider range can only send more groups to the
    line-by-line reading, never change a sum. Returns a list of SQL statements. With
    ``rebuild``, the table is dropped and rebuilt from the lines (the views that read it
    must be dropped first) and signed with ``timesheet_month_fingerprint()``; otherwise
    only the function and the triggers are (re)created.
    """
    statements = _timesheet_month_table_ddl() if rebuild else []
    statements += _timesheet_month_triggers_ddl()
    if rebuild:
        statements += [
            _timesheet_month_backfill(),
            f"COMMENT ON TABLE {TIMESHEET_MONTH_TABLE} IS '{timesheet_month_fingerprint()}'",
            f"ANALYZE {TIMESHEET_MONTH_TABLE}",
        ]
    return statements


def timesheet_month_drop():
    """The statements that remove the table, its triggers and their function."""
    triggers = [*_TIMESHEET_MONTH_TRIGGERS, "TRUNCATE"]
    return [
        *(
            f"DROP TRIGGER IF EXISTS {TIMESHEET_MONTH_TABLE}_{operation.lower()} "
            "ON account_analytic_line"
            for operation in triggers
        ),
        f"DROP FUNCTION IF EXISTS {_TIMESHEET_MONTH_FUNCTION}()",
        f"DROP TABLE IF EXISTS {TIMESHEET_MONTH_TABLE} CASCADE",
    ]


def _quantity(hours, line_uom):
    """``hours`` in the unit ``line_uom`` of an order line (unchanged across categories)."""
    return f"""CASE WHEN {line_uom}.category_id = tu.category_id
                    THEN {hours} / {_HOUR_FACTOR} * {line_uom}.factor
                    ELSE {hours} END"""


def _net_price(line):
    """The net unit price of the order line ``line``, in float8 (NULL without line).

    The discount is applied in ``numeric`` before the conversion, skipped when there is
    none (most lines: the same value for less work).
    """
    return f"""CASE WHEN COALESCE({line}.discount, 0) = 0 THEN {line}.price_unit::float8
                    ELSE ({line}.price_unit * (1 - {line}.discount / 100))::float8 END"""


# Hours (in the timesheet's unit, hours when it has none) converted through the factors
# of the units: 12 h at 8 h a day make 1.5 days. Valued on the order line of the delivery
# (in its unit, at its net price) when it has one order, else at the delivery's daily
# rate, else on the timesheet's order line. Whether the company values only validated
# timesheets is applied when summing (``approval_state`` is kept). Prices and factors are
# converted after the joins, for the few groups or lines joined only.
_HOUR_FACTOR = "COALESCE(tu.factor, uf.hour_factor)"
_TIMESHEET_DAYS = f"t.hours / {_HOUR_FACTOR} * uf.day_factor"
# The order line a timesheet (or group) is valued on: its delivery's when the delivery
# has one order (``correlation_status`` is stored: 'ok' is exactly one), else its own when
# it has no delivery.
_TIMESHEET_ORDER = "CASE WHEN t.delivery_id IS NULL THEN ol.order_id ELSE r.order_id END"
_TIMESHEET_CORRELATION = """CASE WHEN t.delivery_id IS NOT NULL THEN t.correlation_status
                                 WHEN ol.id IS NULL THEN 'no_order'
                                 ELSE 'ok' END"""
# ``r``: the order of the timesheet's delivery (when it has one); ``ol``/``olu`` the order
# line it is valued on and its unit; ``tu`` the timesheet's unit.
_TIMESHEET_VALUATION = f"""
      LEFT JOIN postproduction_delivery_sale_order_rel r
             ON r.delivery_id = t.delivery_id AND t.correlation_status = 'ok'
      LEFT JOIN sale_order_line ol
             ON ol.id = CASE WHEN t.delivery_id IS NULL THEN t.sale_line_id
                             WHEN t.correlation_status = 'ok' THEN t.delivery_line_id END
      LEFT JOIN {_UOM} olu ON olu.id = ol.product_uom
      LEFT JOIN {_UOM} tu ON tu.id = t.product_uom_id
      CROSS JOIN (SELECT {_uom_factor("product_uom_hour")} AS hour_factor,
                         {_uom_factor("product_uom_day")} AS day_factor OFFSET 0) uf
"""

TIMESHEET_QUERY = f"""
    SELECT 'timesheet'::varchar AS kind, NULL::integer AS res_id, NULL::integer AS move_id,
           t.project_id, {_TIMESHEET_ORDER} AS order_id, t.period,
           t.company_id, t.delivery_id,
           ({_TIMESHEET_CORRELATION})::varchar AS correlation,
           t.approval_state,
           t.delivery_id IS NOT NULL AS delivered,
           {_TIMESHEET_DAYS} AS days,
           CASE WHEN ol.id IS NOT NULL THEN {_quantity("t.hours", "olu")} * {_net_price("ol")}
                WHEN t.delivery_id IS NOT NULL
                    THEN {_TIMESHEET_DAYS} * COALESCE(t.daily_rate::float8, 0)
                ELSE 0 END AS amount,
           t.line_count
      FROM ({TIMESHEET_GROUP_QUERY}) t
      {_TIMESHEET_VALUATION}
"""

# The same attribution line by line, for the buttons of a row.
TIMESHEET_LINE_QUERY = f"""
    SELECT 'timesheet'::varchar AS kind, t.id AS res_id, NULL::integer AS move_id,
           t.project_id, {_TIMESHEET_ORDER} AS order_id, t.period,
           t.company_id, t.delivery_id,
           ({_TIMESHEET_CORRELATION})::varchar AS correlation,
           t.approval_state,
           t.delivery_id IS NOT NULL AS delivered,
           0::float8 AS days, 0::float8 AS amount, 1::bigint AS line_count
      FROM (SELECT al.id, al.project_id, {ANALYTIC_MONTH} AS period,
                   {_ATTRIBUTED.format(source="al")}
              FROM account_analytic_line al
              {_LINE_DELIVERY}
             WHERE al.project_id IS NOT NULL) t
      {_TIMESHEET_VALUATION}
"""

# Re-invoiced costs: analytic lines of posted expenses and vendor bills linked to an
# expense line of an order (Odoo's re-invoicing), or matching a product or purchase
# delivery of the project (same product, date in the delivery). Valued at what the order
# line will invoice; without order line, at cost or at the product's sales price.
_COST_AMOUNT = f"""CASE
    WHEN sol.id IS NOT NULL THEN
        CASE WHEN solu.category_id = lu.category_id
             THEN al.unit_amount / lu.factor * solu.factor
             ELSE al.unit_amount END * {_net_price("sol")}
    WHEN pt.expense_policy = 'sales_price' THEN al.unit_amount * pt.list_price::float8
    ELSE -al.amount::float8 END"""

COST_QUERY = f"""
    SELECT CASE WHEN aml.expense_id IS NOT NULL THEN 'expense' ELSE 'purchase' END::varchar,
           al.id, aml.move_id,
           COALESCE(d.project_id, solp.project_id, ap.project_id),
           CASE WHEN d.id IS NULL THEN sol.order_id WHEN d.order_count = 1 THEN d.order_id END,
           {ANALYTIC_MONTH},
           al.company_id, d.id,
           ({_correlation("d")})::varchar,
           NULL::varchar, TRUE, 0::float8,
           {_COST_AMOUNT},
           1::bigint
      FROM account_analytic_line al
      JOIN account_move_line aml ON aml.id = al.move_line_id
      LEFT JOIN {_UOM} lu ON lu.id = al.product_uom_id
      LEFT JOIN product_product pp ON pp.id = al.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN sale_order_line sol ON sol.id = al.so_line AND sol.is_expense
      LEFT JOIN {_UOM} solu ON solu.id = sol.product_uom
      LEFT JOIN sale_order so ON so.id = sol.order_id
      LEFT JOIN LATERAL (SELECT ({_line_project("sol", "so")}) AS project_id) solp
             ON sol.id IS NOT NULL
      LEFT JOIN LATERAL (SELECT pa.id AS project_id FROM project_project pa
                          WHERE pa.account_id = al.account_id
                          ORDER BY pa.id LIMIT 1) ap ON TRUE
      LEFT JOIN LATERAL (
            SELECT cd.id, cd.project_id,
                   (SELECT COUNT(*) FROM postproduction_delivery_sale_order_rel cr
                     WHERE cr.delivery_id = cd.id) AS order_count,
                   (SELECT MIN(cr.order_id) FROM postproduction_delivery_sale_order_rel cr
                     WHERE cr.delivery_id = cd.id) AS order_id
              FROM postproduction_delivery cd
             WHERE cd.kind IN ('product', 'purchase') AND cd.state != 'draft' AND cd.active
               AND cd.project_id = ap.project_id AND cd.product_id = al.product_id
               AND al.date BETWEEN cd.date_start AND cd.date_end
             ORDER BY cd.id LIMIT 1) d ON TRUE
     WHERE al.project_id IS NULL AND al.amount <= 0
       AND (sol.id IS NOT NULL
            OR (d.id IS NOT NULL AND pt.expense_policy IN ('cost', 'sales_price')))
"""

SCHEDULE_QUERY = f"""
    SELECT 'schedule'::varchar, s.id, s.move_id,
           {_order_project("so")},
           s.order_id,
           date_trunc('month', s.date::timestamp)::date,
           so.company_id, NULL::integer, 'ok'::varchar, NULL::varchar, TRUE,
           0::float8, s.amount::float8, 1::bigint
      FROM postproduction_schedule s
      JOIN sale_order so ON so.id = s.order_id
     WHERE so.postproduction_mode = 'schedule' AND so.state != 'cancel'
"""

# Customer invoice lines of the orders' lines, in the month they bill; credit notes
# subtract, cancelled invoices are ignored. The lines of the down payments that invoice a
# month in advance are apart: ``advance`` when they bill it, ``deduction`` when a final
# invoice (or a credit note) deducts it; neither counts as invoiced. Credit note lines
# flagged as written off (the non-chargeable quantity of a corrective invoice) are
# ``write_off``: they lower the invoiced turnover as any credit note does, and are also
# shown apart, as written off.
INVOICE_QUERY = f"""
    SELECT (CASE WHEN sol.postproduction_advance_period IS NOT NULL THEN
                     CASE WHEN (CASE WHEN m.move_type = 'out_refund' THEN -aml.price_subtotal
                                     ELSE aml.price_subtotal END) > 0 THEN 'advance'
                          ELSE 'deduction' END
                 WHEN m.move_type = 'out_refund' AND aml.postproduction_write_off
                     THEN 'write_off'
                 ELSE 'invoice' END)::varchar,
           aml.id, m.id,
           solp.project_id, sol.order_id,
           {INVOICE_MONTH},
           m.company_id, NULL::integer, 'ok'::varchar, NULL::varchar, TRUE,
           0::float8,
           (CASE WHEN m.move_type = 'out_refund' THEN -aml.price_subtotal
                 ELSE aml.price_subtotal END)::float8,
           1::bigint
      FROM account_move m
      JOIN account_move_line aml ON aml.move_id = m.id AND aml.display_type = 'product'
      JOIN sale_order_line_invoice_rel ir ON ir.invoice_line_id = aml.id
      JOIN sale_order_line sol ON sol.id = ir.order_line_id
      JOIN sale_order so ON so.id = sol.order_id
      CROSS JOIN LATERAL (SELECT ({_line_project("sol", "so")}) AS project_id OFFSET 0) solp
     WHERE m.move_type IN ('out_invoice', 'out_refund') AND m.state != 'cancel'
       AND (solp.project_id IS NOT NULL OR so.postproduction_mode = 'schedule')
"""

_OTHER_QUERIES = (COST_QUERY, SCHEDULE_QUERY, INVOICE_QUERY)
LINE_QUERY = "\nUNION ALL\n".join((TIMESHEET_QUERY, *_OTHER_QUERIES))

# Timesheets count on billable projects, and on any project where a delivery takes them.
_COUNTED = "(l.delivered OR p.allow_billable OR p.id IS NULL)"

ACTIVITY_QUERY = f"""
    SELECT l.* FROM ({"UNION ALL".join((TIMESHEET_LINE_QUERY, *_OTHER_QUERIES))}) l
      LEFT JOIN project_project p ON p.id = l.project_id
     WHERE {_COUNTED}
"""

# Summed per (project, order, month) in two steps: first per kind, correlation, approval
# and delivery (three aggregates over the month's lines), then pivoted (over a few rows).
# A row without order of a project shared by companies (no company of its own) is one per
# company: each company sees only its own hours and amounts there.
_SHARED_COMPANY = "CASE WHEN l.order_id IS NULL AND p.company_id IS NULL THEN l.company_id END"

AGGREGATE_QUERY = f"""
    SELECT l.project_id, l.order_id, l.period,
           {_SHARED_COMPANY} AS shared_company_id,
           MIN(l.company_id) AS company_id,
           SUM(l.days) AS days,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'draft'), 0)::integer
               AS timesheet_draft_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'submitted'), 0)::integer
               AS timesheet_submitted_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'validated'), 0)::integer
               AS timesheet_validated_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'refused'), 0)::integer
               AS timesheet_refused_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.kind = 'timesheet'
                                                AND l.approval_state != 'validated'), 0)::integer
               AS pending_count,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'timesheet'), 0)
               AS timesheet_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'timesheet'
                                            AND l.approval_state = 'validated'), 0)
               AS timesheet_validated_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'expense'), 0) AS expense_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'purchase'), 0) AS purchase_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'schedule'), 0) AS schedule_amount,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.kind = 'schedule'), 0)::integer
               AS schedule_count,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind IN ('invoice', 'write_off')), 0)
               AS invoiced_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'write_off'), 0) AS written_off_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'advance'), 0) AS advanced_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'deduction'), 0) AS deducted_amount,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.kind IN ('invoice', 'write_off')), 0)::integer
               AS invoice_line_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.correlation = 'no_order'), 0)::integer
               AS no_order_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.correlation = 'multiple_orders'), 0)::integer
               AS multiple_orders_count
      FROM (SELECT g.project_id, g.order_id, g.period, g.kind, g.correlation,
                   g.approval_state, g.delivered, g.company_id,
                   SUM(g.days) AS days, SUM(g.amount) AS amount,
                   SUM(g.line_count)::integer AS line_count
              FROM {LINE_VIEW} g
             GROUP BY g.project_id, g.order_id, g.period, g.kind, g.correlation,
                      g.approval_state, g.delivered, g.company_id) l
      LEFT JOIN project_project p ON p.id = l.project_id
     WHERE {_COUNTED}
     GROUP BY l.project_id, l.order_id, l.period, {_SHARED_COMPANY}
"""

# The amounts of a row, rounded to its currency; schedule orders produce their schedule.
_VALUED = """CASE WHEN so.postproduction_mode = 'schedule' THEN 0
                  WHEN c.postproduction_validated_timesheets_only
                      THEN g.timesheet_validated_amount
                  ELSE g.timesheet_amount END"""


# What the month produced: its rounded parts, added up.
_PRODUCTION = """({alias}.timesheet_turnover + {alias}.expense_turnover
                  + {alias}.purchase_turnover + {alias}.schedule_turnover)"""


def _rounded(amount):
    """``amount`` (float8) rounded to the row's currency; zero as it is (no conversion)."""
    return f"""CASE WHEN ({amount}) = 0 THEN 0::numeric
                    ELSE ROUND(({amount})::numeric, cur.decimal_places) END"""


def _produced(amount):
    return _rounded(f"CASE WHEN so.postproduction_mode = 'schedule' THEN 0 ELSE {amount} END")


# The deliveries of each month (not draft, active), over the months a row id can hold: the
# month asked for reaches the generated months as it reaches the lines.
_MONTHS = """(SELECT generate_series(date '1950-01-01', date '2120-07-01',
                                     interval '1 month')::date AS period)"""
_MONTH_DELIVERY = f"""
      FROM {_MONTHS} m
      JOIN postproduction_delivery d
        ON d.date_start < m.period + interval '1 month' AND d.date_end >= m.period
       AND d.state != 'draft' AND d.active"""

# Per project and month, from its deliveries: whether they are partly correlated, and per
# order (0 for none) the consultants or products of those the row of the order takes
# (correlated with it alone), or, on the row without order, those with no order or
# several.
_TAKEN = "(d.correlation_status != 'ok' OR o.order_id IS NOT NULL)"
# The key of a row in the summaries: its order (0 for none), or on a shared project's row
# without order its company ("c" and the id).
_SUMMARY_KEY = """CASE WHEN {order} IS NULL AND {shared} THEN 'c' || {company}
                       ELSE COALESCE({order}, 0)::text END"""
_DELIVERY_FACTS = f"""
    SELECT ds.project_id, ds.period,
           bool_or(ds.correlated) AND bool_or(ds.uncorrelated) AS partial_correlation,
           jsonb_object_agg(ds.summary_key, ds.delivery_summary) AS delivery_summaries
      FROM (SELECT d.project_id, m.period,
                   {
    _SUMMARY_KEY.format(order="o.order_id", shared="dp.company_id IS NULL", company="d.company_id")
} AS summary_key,
                   string_agg(COALESCE(e.name, pt.name->>'en_US', d.name), ', '
                              ORDER BY d.kind, d.date_start, d.id)
                       FILTER (WHERE {_TAKEN}) AS delivery_summary,
                   bool_or(d.correlation_status = 'ok') AS correlated,
                   bool_or(d.correlation_status != 'ok') AS uncorrelated
              {_MONTH_DELIVERY}
              LEFT JOIN postproduction_delivery_sale_order_rel o
                     ON o.delivery_id = d.id AND d.correlation_status = 'ok'
              LEFT JOIN project_project dp ON dp.id = d.project_id
              LEFT JOIN hr_employee e ON e.id = d.employee_id
              LEFT JOIN product_product pp ON pp.id = d.product_id
              LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
             GROUP BY d.project_id, m.period, 3) ds
     GROUP BY ds.project_id, ds.period
"""

# The amounts of a row rounded to its currency, computed once per row (``OFFSET 0`` keeps
# the subquery apart: pulled up, each use of an amount would round it again).
_AMOUNTS = f"""
    SELECT {_rounded(_VALUED)} AS timesheet_turnover,
           {_produced("g.expense_amount")} AS expense_turnover,
           {_produced("g.purchase_amount")} AS purchase_turnover,
           {_rounded("g.schedule_amount")} AS schedule_turnover,
           {_rounded("g.invoiced_amount")} AS invoiced_turnover,
           {_rounded("-g.written_off_amount")} AS written_off_turnover,
           {_rounded("g.advanced_amount")} AS advanced_turnover,
           {_rounded("g.advanced_amount + g.deducted_amount")} AS open_advance
    OFFSET 0
"""

FACTS_QUERY = f"""
    SELECT g.project_id, g.order_id, g.period, g.shared_company_id, g.days,
           g.timesheet_draft_count, g.timesheet_submitted_count,
           g.timesheet_validated_count, g.timesheet_refused_count, g.pending_count,
           g.schedule_count, g.invoice_line_count, g.no_order_count, g.multiple_orders_count,
           c.id AS company_id, cur.id AS currency_id,
           COALESCE(so.partner_id, p.partner_id) AS partner_id,
           p.postproduction_type_id AS project_type_id,
           COALESCE(so.postproduction_mode, '') AS mode,
           a.timesheet_turnover, a.expense_turnover, a.purchase_turnover, a.schedule_turnover,
           a.invoiced_turnover, a.written_off_turnover, a.advanced_turnover, a.open_advance,
           {_PRODUCTION.format(alias="a")} AS production_turnover,
           COALESCE(c.postproduction_validated_timesheets_only, FALSE) AS validated_only,
           COALESCE(df.partial_correlation, FALSE) AS partial_correlation,
           df.delivery_summaries->>({
    _SUMMARY_KEY.format(
        order="g.order_id", shared="g.shared_company_id IS NOT NULL", company="g.shared_company_id"
    )
}) AS delivery_summary,
           so.name AS order_name, rp.complete_name AS partner_name,
           p.name AS project_name
      FROM ({AGGREGATE_QUERY}) g
      LEFT JOIN sale_order so ON so.id = g.order_id
      LEFT JOIN project_project p ON p.id = g.project_id
      LEFT JOIN res_company c ON c.id = COALESCE(so.company_id, g.company_id, p.company_id)
      LEFT JOIN res_currency cur ON cur.id = COALESCE(so.currency_id, c.currency_id)
      LEFT JOIN res_partner rp ON rp.id = COALESCE(so.partner_id, p.partner_id)
      CROSS JOIN LATERAL ({_AMOUNTS}) a
      LEFT JOIN ({_DELIVERY_FACTS}) df
             ON df.project_id = g.project_id AND df.period = g.period
"""


# What remains to invoice: production less what invoices bill and credit notes write off.
_DELTA = "{alias}.production_turnover - {alias}.invoiced_turnover - {alias}.written_off_turnover"


def turnover_query():
    """The body of the model's view (an ``SQL`` object)."""
    status_case, status_params = diagnosis.sql_case("f")
    icon_case, icon_params = diagnosis.sql_status_case(status_case, "icon")
    decoration_case, decoration_params = diagnosis.sql_status_case(status_case, "decoration")
    return SQL(
        """
        SELECT COALESCE(k.id, %(row_id)s) AS id,
               f.period, f.project_id, f.order_id, f.partner_id, f.project_type_id,
               f.company_id, f.currency_id, NULLIF(f.mode, '')::varchar AS mode,
               ROUND(f.days::numeric, 2) AS days,
               f.timesheet_draft_count, f.timesheet_submitted_count,
               f.timesheet_validated_count, f.timesheet_refused_count,
               f.timesheet_turnover, f.expense_turnover, f.purchase_turnover,
               f.schedule_turnover, f.production_turnover, f.invoiced_turnover,
               f.written_off_turnover, %(delta)s AS delta,
               f.advanced_turnover, f.open_advance,
               f.production_turnover - f.advanced_turnover AS regularisation,
               (%(status)s)::varchar AS status,
               (%(status_icon)s)::varchar AS status_icon,
               (%(status_decoration)s)::varchar AS status_decoration,
               n.note,
               f.no_order_count, f.multiple_orders_count, f.partial_correlation,
               f.schedule_count, f.invoice_line_count, f.pending_count, f.validated_only,
               f.delivery_summary, f.order_name, f.partner_name, f.project_name
          FROM (SELECT facts.*,
                       ABS(%(facts_delta)s) AS abs_delta,
                       ABS(facts.production_turnover) AS abs_production,
                       ABS(facts.open_advance) AS abs_open_advance
                  FROM (%(facts)s) facts) f
          LEFT JOIN postproduction_turnover_note n
                 ON COALESCE(n.project_id, 0) = COALESCE(f.project_id, 0)
                AND COALESCE(n.order_id, 0) = COALESCE(f.order_id, 0) AND n.period = f.period
                AND (f.shared_company_id IS NULL OR n.company_id = f.shared_company_id)
          LEFT JOIN %(rows)s k
                 ON k.period = f.period AND k.project_id = COALESCE(f.project_id, 0)
                AND k.order_id = COALESCE(f.order_id, 0)
                AND k.company_id = COALESCE(f.shared_company_id, 0)
        """,
        row_id=SQL(turnover_key.sql_expression("f")),
        rows=SQL.identifier(ROW_TABLE),
        delta=SQL(_DELTA.format(alias="f")),
        facts_delta=SQL(_DELTA.format(alias="facts")),
        status=SQL(status_case, *status_params),
        status_icon=SQL(icon_case, *status_params, *icon_params),
        status_decoration=SQL(decoration_case, *status_params, *decoration_params),
        facts=SQL(FACTS_QUERY),
    )


def month_function_ddl(view):
    """The function that returns the rows of ``view`` (the model's view) of one month.

    PostgreSQL plans the view each time it is read, which takes about as long as a
    tenth of reading a month of it. In a PL/pgSQL function, the query is planned once
    per connection (a generic plan, ``period`` a parameter) and the plan kept until a
    table it reads changes of definition or of statistics. The model reads a month
    through it (``_table_sql``); the function is rebuilt with the view, after it.
    """
    return f"""
        CREATE OR REPLACE FUNCTION {MONTH_FUNCTION}(date) RETURNS SETOF {view}
        LANGUAGE plpgsql STABLE ROWS 2000
        SET plan_cache_mode = force_generic_plan
        SET jit = off
        AS $body$
        BEGIN
            RETURN QUERY SELECT * FROM {view} WHERE period = $1;
        END
        $body$"""
