"""The dashboard's SQL, part 3 of 3: the rows, and every statement that builds them.

``postproduction_turnover_line``
    the activity lines (``postproduction_turnover_sql_lines``), the timesheets as groups
    (``postproduction_turnover_sql_timesheet``).
``postproduction_turnover_activity``
    the same lines, timesheets one by one, on the projects where they count: a row's
    buttons read it to open the timesheets or invoices of a row.
``postproduction_turnover``
    the model's view: the activity summed per (project, order, month), with the facts of
    the diagnosis, the status (``calc.diagnosis``) and its icon and colour
    (``calc.statuses``).

Every month is ``date_trunc('month', <date>::timestamp)::date``; the indexes created by
the model use the same expressions so that the month asked for reaches the scans. The
lines are summed first per (project, order, month, kind, correlation, approval) with three
aggregates, joined to the projects then, and only then pivoted: a month's hundred thousand
timesheet lines go through as few joins and aggregates as possible. Amounts are summed in
``float8`` and rounded to the currency at the end.

Fragments are SQL text, built by f-strings and small functions of their aliases (one per
clause); Odoo's ``SQL`` carries the identifiers and the parameters (the decision table's
values) where the statements are assembled (``turnover_query``, ``create_statements``).
``tests/sql/dashboard.sql`` is every statement rendered: a change shows there as a diff.
"""

from odoo.tools import SQL

from ..calc import diagnosis, turnover_key
from . import postproduction_turnover_sql_store as store
from .postproduction_turnover_sql_lines import (
    ACTIVITY_QUERY,
    COUNTED,
    LINE_QUERY,
    OTHER_QUERIES,
    TIMESHEET_QUERY,
)
from .postproduction_turnover_sql_timesheet import (
    TIMESHEET_MONTH_TABLE,
    timesheet_month_ddl,
    timesheet_month_drop,
    timesheet_month_fingerprint,
)

__all__ = [
    "ACTIVITY_QUERY",
    "LINE_QUERY",
    "OTHER_QUERIES",
    "TIMESHEET_MONTH_TABLE",
    "TIMESHEET_QUERY",
    "create_statements",
    "stored_fingerprint",
    "timesheet_month_drop",
    "timesheet_month_fingerprint",
    "turnover_query",
    "view_bodies",
]

DELIVERY_VIEW = "postproduction_turnover_delivery"
LINE_VIEW = "postproduction_turnover_line"
ACTIVITY_VIEW = "postproduction_turnover_activity"
#: The function of earlier versions that read one month of the view.
MONTH_FUNCTION = "postproduction_turnover_month"

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
     WHERE {COUNTED}
     GROUP BY l.project_id, l.order_id, l.period, {_SHARED_COMPANY}
"""

# The amounts of a row, rounded to its currency; schedule orders produce their schedule.
_VALUED = """CASE WHEN so.postproduction_mode = 'schedule' THEN 0
                  WHEN c.postproduction_validated_timesheets_only
                      THEN g.timesheet_validated_amount
                  ELSE g.timesheet_amount END"""


# What the month produced: its rounded parts, added up.
def _production(alias):
    return f"""({alias}.timesheet_turnover + {alias}.expense_turnover
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
def _summary_key(order, shared, company):
    return f"""CASE WHEN {order} IS NULL AND {shared} THEN 'c' || {company}
                       ELSE COALESCE({order}, 0)::text END"""


_DELIVERY_FACTS = f"""
    SELECT ds.project_id, ds.period,
           bool_or(ds.correlated) AND bool_or(ds.uncorrelated) AS partial_correlation,
           jsonb_object_agg(ds.summary_key, ds.delivery_summary) AS delivery_summaries
      FROM (SELECT d.project_id, m.period,
                   {
    _summary_key(order="o.order_id", shared="dp.company_id IS NULL", company="d.company_id")
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
           {_production("a")} AS production_turnover,
           COALESCE(c.postproduction_validated_timesheets_only, FALSE) AS validated_only,
           COALESCE(so.postproduction_signoff = 'required'
                    AND so.postproduction_mode = 'monthly', FALSE) AS signoff_required,
           COALESCE(st.state, '')::varchar AS signoff_state,
           COALESCE(df.partial_correlation, FALSE) AS partial_correlation,
           df.delivery_summaries->>({
    _summary_key(
        order="g.order_id", shared="g.shared_company_id IS NOT NULL", company="g.shared_company_id"
    )
}) AS delivery_summary,
           so.name AS order_name, rp.complete_name AS partner_name,
           p.name AS project_name
      FROM ({AGGREGATE_QUERY}) g
      LEFT JOIN sale_order so ON so.id = g.order_id
      LEFT JOIN postproduction_activity_statement st
             ON st.order_id = g.order_id AND st.period = g.period
      LEFT JOIN project_project p ON p.id = g.project_id
      LEFT JOIN res_company c ON c.id = COALESCE(so.company_id, g.company_id, p.company_id)
      LEFT JOIN res_currency cur ON cur.id = COALESCE(so.currency_id, c.currency_id)
      LEFT JOIN res_partner rp ON rp.id = COALESCE(so.partner_id, p.partner_id)
      CROSS JOIN LATERAL ({_AMOUNTS}) a
      LEFT JOIN ({_DELIVERY_FACTS}) df
             ON df.project_id = g.project_id AND df.period = g.period
"""


# What remains to invoice: production less what invoices bill and credit notes write off.
def _delta(alias):
    return f"{alias}.production_turnover - {alias}.invoiced_turnover - {alias}.written_off_turnover"


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
               f.signoff_required, NULLIF(f.signoff_state, '')::varchar AS signoff_state,
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
        delta=SQL(_delta("f")),
        facts_delta=SQL(_delta("facts")),
        status=SQL(status_case, *status_params),
        status_icon=SQL(icon_case, *status_params, *icon_params),
        status_decoration=SQL(decoration_case, *status_params, *decoration_params),
        facts=SQL(FACTS_QUERY),
    )


def view_bodies():
    """The views, in the order they are created: ``(name, body)``, the body an ``SQL``."""
    return (
        (LINE_VIEW, SQL(LINE_QUERY)),
        (ACTIVITY_VIEW, SQL(ACTIVITY_QUERY)),
        (store.LIVE_VIEW, turnover_query()),
    )


def stored_fingerprint():
    """What the kept rows are (see ``store.stored_fingerprint``)."""
    query = turnover_query()
    return store.stored_fingerprint("\n".join([LINE_QUERY, query.code, repr(query.params)]))


def create_statements(table, rebuild_timesheet_month, rebuild_stored=True):
    """Every statement that creates the dashboard's tables, triggers, views and functions
    (``SQL`` objects, in order), once the views and the reading functions are dropped:
    what the model's ``init`` runs, and what ``tests/sql/dashboard.sql`` shows (with
    everything rebuilt). The model's view ``table`` reads every month through
    ``store.ROWS_FUNCTION``; the model reads through it with the months of the search."""
    statements = [SQL(ddl) for ddl in timesheet_month_ddl(rebuild_timesheet_month)]
    statements.append(SQL(ROW_TABLE_DDL))
    statements += [
        SQL("CREATE VIEW %s AS (%s)", SQL.identifier(view), body) for view, body in view_bodies()
    ]
    if rebuild_stored:
        statements += [SQL(ddl) for ddl in store.stored_table_ddl()]
        statements.append(
            SQL(
                "COMMENT ON TABLE %s IS %s",
                SQL.identifier(store.STORED_TABLE),
                stored_fingerprint(),
            )
        )
    statements += [SQL(ddl) for ddl in store.marks_ddl()]
    statements += [SQL(ddl) for ddl in store.read_functions_ddl()]
    statements.append(
        SQL(
            "CREATE VIEW %s AS (SELECT * FROM %s(NULL, NULL))",
            SQL.identifier(table),
            SQL.identifier(store.ROWS_FUNCTION),
        )
    )
    return statements
