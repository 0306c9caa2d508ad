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

from odoo.tools import SQL

from ..calc import diagnosis, turnover_key

DELIVERY_VIEW = "postproduction_turnover_delivery"
LINE_VIEW = "postproduction_turnover_line"
ACTIVITY_VIEW = "postproduction_turnover_activity"

#: The month of an analytic line; the indexes ``postproduction_aal_*_month_idx`` match it.
ANALYTIC_MONTH = "date_trunc('month', al.date::timestamp)::date"

#: The month an invoice bills; the index ``postproduction_move_month_idx`` matches it.
INVOICE_MONTH = (
    "date_trunc('month', COALESCE(m.postproduction_period, m.invoice_date, m.date)::timestamp)"
    "::date"
)

# Units and order lines with their factor and net price in float8, converted once per unit
# or line rather than once per timesheet line (``OFFSET 0`` keeps PostgreSQL from pulling
# the conversion up into the join, where it would run for every timesheet line).
_UOM = "(SELECT id, category_id, factor::float8 AS factor FROM uom_uom OFFSET 0)"
_ORDER_LINE = """(SELECT l.id, l.order_id, l.product_uom, l.project_id, l.is_expense,
                         (l.price_unit * (1 - COALESCE(l.discount, 0) / 100))::float8 AS price,
                         lu.factor::float8 AS uom_factor, lu.category_id AS uom_category_id
                    FROM sale_order_line l
                    LEFT JOIN uom_uom lu ON lu.id = l.product_uom
                  OFFSET 0)"""


def _uom_factor(xmlid):
    return f"""(SELECT u.factor::float8 FROM uom_uom u
                  JOIN ir_model_data imd ON imd.res_id = u.id AND imd.model = 'uom.uom'
                 WHERE imd.module = 'uom' AND imd.name = '{xmlid}')"""


DELIVERY_QUERY = f"""
    SELECT d.id, d.kind, d.project_id, d.employee_id, d.product_id,
           d.date_start, d.date_end, d.daily_rate::float8 AS daily_rate, d.sale_line_id,
           r.order_id, COALESCE(r.order_count, 0) AS order_count,
           sol.price AS line_price, sol.uom_factor AS line_uom_factor,
           sol.uom_category_id AS line_uom_category_id
      FROM postproduction_delivery d
      LEFT JOIN (SELECT delivery_id, MIN(order_id) AS order_id, COUNT(*) AS order_count
                   FROM postproduction_delivery_sale_order_rel
                  GROUP BY delivery_id) r ON r.delivery_id = d.id
      LEFT JOIN {_ORDER_LINE} sol ON sol.id = d.sale_line_id AND r.order_count = 1
     WHERE d.state != 'draft' AND d.active
"""


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
_TIMESHEET_ATTRIBUTION = """
      FROM account_analytic_line al
      LEFT JOIN (SELECT id, project_id, employee_id, date_start, date_end
                   FROM postproduction_delivery
                  WHERE kind = 'resource' AND state != 'draft' AND active) da
             ON da.project_id = al.project_id
            AND da.employee_id = al.employee_id
            AND al.date BETWEEN da.date_start AND da.date_end
     WHERE al.project_id IS NOT NULL
"""

# The lines are first summed per (project, delivery or order line, unit, approval, month):
# one hash aggregate over integer keys, before any valuation.
TIMESHEET_GROUP_QUERY = f"""
    SELECT al.project_id, da.id AS delivery_id,
           CASE WHEN da.id IS NULL THEN al.so_line END AS sale_line_id,
           al.product_uom_id, al.approval_state, {ANALYTIC_MONTH} AS period,
           MIN(al.company_id) AS company_id, SUM(al.unit_amount) AS hours,
           COUNT(*) AS line_count
      {_TIMESHEET_ATTRIBUTION}
     GROUP BY al.project_id, da.id, CASE WHEN da.id IS NULL THEN al.so_line END,
              al.product_uom_id, al.approval_state, {ANALYTIC_MONTH}
"""


def _quantity(hours, line):
    """``hours`` in the unit of the order line ``line`` (unchanged across categories)."""
    return f"""CASE WHEN {line}_uom_category_id = tu.category_id
                    THEN {hours} / {_HOUR_FACTOR} * {line}_uom_factor
                    ELSE {hours} END"""


# Hours (in the timesheet's unit, hours when it has none) converted through the factors
# of the units: 12 h at 8 h a day make 1.5 days. Valued on the order line (in its unit,
# at its net price), else at the delivery's daily rate. Whether the company values only
# validated timesheets is applied when summing (``approval_state`` is kept).
_HOUR_FACTOR = f"COALESCE(tu.factor, {_uom_factor('product_uom_hour')})"
_TIMESHEET_DAYS = f"t.hours / {_HOUR_FACTOR} * {_uom_factor('product_uom_day')}"
_TIMESHEET_ORDER = """CASE WHEN d.id IS NULL THEN ts.order_id
                           WHEN d.order_count = 1 THEN d.order_id END"""
_TIMESHEET_CORRELATION = f"""CASE WHEN d.id IS NULL AND ts.id IS NULL THEN 'no_order'
                                  ELSE {_correlation("d")} END"""
_TIMESHEET_VALUATION = f"""
      LEFT JOIN {DELIVERY_VIEW} d ON d.id = t.delivery_id
      LEFT JOIN (SELECT l.id, l.order_id, l.price, l.uom_factor AS line_uom_factor,
                        l.uom_category_id AS line_uom_category_id
                   FROM {_ORDER_LINE} l) ts ON ts.id = t.sale_line_id
      LEFT JOIN {_UOM} tu ON tu.id = t.product_uom_id
"""

TIMESHEET_QUERY = f"""
    SELECT 'timesheet'::varchar AS kind, NULL::integer AS res_id, NULL::integer AS move_id,
           t.project_id, {_TIMESHEET_ORDER} AS order_id, t.period,
           t.company_id, t.delivery_id,
           ({_TIMESHEET_CORRELATION})::varchar AS correlation,
           t.approval_state,
           t.delivery_id IS NOT NULL AS delivered,
           {_TIMESHEET_DAYS} AS days,
           CASE WHEN d.line_price IS NOT NULL
                    THEN {_quantity("t.hours", "d.line")} * d.line_price
                WHEN d.id IS NOT NULL THEN {_TIMESHEET_DAYS} * COALESCE(d.daily_rate, 0)
                WHEN ts.id IS NOT NULL THEN {_quantity("t.hours", "ts.line")} * ts.price
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
      FROM (SELECT al.id, al.project_id, da.id AS delivery_id,
                   CASE WHEN da.id IS NULL THEN al.so_line END AS sale_line_id,
                   al.product_uom_id, al.approval_state, {ANALYTIC_MONTH} AS period,
                   al.company_id
              {_TIMESHEET_ATTRIBUTION}) t
      {_TIMESHEET_VALUATION}
"""

# Re-invoiced costs: analytic lines of posted expenses and vendor bills linked to an
# expense line of an order (Odoo's re-invoicing), or matching a product or purchase
# delivery of the project (same product, date in the delivery). Valued at what the order
# line will invoice; without order line, at cost or at the product's sales price.
_COST_AMOUNT = """CASE
    WHEN sol.id IS NOT NULL THEN
        CASE WHEN sol.uom_category_id = lu.category_id
             THEN al.unit_amount / lu.factor * sol.uom_factor
             ELSE al.unit_amount END * sol.price
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
      LEFT JOIN {_ORDER_LINE} sol ON sol.id = al.so_line AND sol.is_expense
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
# invoice (or a credit note) deducts it; neither counts as invoiced.
INVOICE_QUERY = f"""
    SELECT (CASE WHEN sol.postproduction_advance_period IS NULL THEN 'invoice'
                 WHEN (CASE WHEN m.move_type = 'out_refund' THEN -aml.price_subtotal
                            ELSE aml.price_subtotal END) > 0 THEN 'advance'
                 ELSE 'deduction' END)::varchar,
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
      CROSS JOIN LATERAL (SELECT ({_line_project("sol", "so")}) AS project_id) solp
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
AGGREGATE_QUERY = f"""
    SELECT l.project_id, l.order_id, l.period,
           MIN(l.company_id) AS company_id,
           SUM(l.days) AS days,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'draft'), 0)
               AS timesheet_draft_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'submitted'), 0)
               AS timesheet_submitted_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'validated'), 0)
               AS timesheet_validated_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.approval_state = 'refused'), 0)
               AS timesheet_refused_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.kind = 'timesheet'
                                                AND l.approval_state != 'validated'), 0)
               AS pending_count,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'timesheet'), 0)
               AS timesheet_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'timesheet'
                                            AND l.approval_state = 'validated'), 0)
               AS timesheet_validated_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'expense'), 0) AS expense_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'purchase'), 0) AS purchase_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'schedule'), 0) AS schedule_amount,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.kind = 'schedule'), 0) AS schedule_count,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'invoice'), 0) AS invoiced_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'advance'), 0) AS advanced_amount,
           COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'deduction'), 0) AS deducted_amount,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.kind = 'invoice'), 0)
               AS invoice_line_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.correlation = 'no_order'), 0)
               AS no_order_count,
           COALESCE(SUM(l.line_count) FILTER (WHERE l.correlation = 'multiple_orders'), 0)
               AS multiple_orders_count
      FROM (SELECT g.project_id, g.order_id, g.period, g.kind, g.correlation,
                   g.approval_state, g.delivered, MIN(g.company_id) AS company_id,
                   SUM(g.days) AS days, SUM(g.amount) AS amount,
                   SUM(g.line_count) AS line_count
              FROM {LINE_VIEW} g
             GROUP BY g.project_id, g.order_id, g.period, g.kind, g.correlation,
                      g.approval_state, g.delivered) l
      LEFT JOIN project_project p ON p.id = l.project_id
     WHERE {_COUNTED}
     GROUP BY l.project_id, l.order_id, l.period
"""

# The amounts of a row, rounded to its currency; schedule orders produce their schedule.
_VALUED = """CASE WHEN so.postproduction_mode = 'schedule' THEN 0
                  WHEN c.postproduction_validated_timesheets_only
                      THEN g.timesheet_validated_amount
                  ELSE g.timesheet_amount END"""


# The project's deliveries of the month (not draft, active): whether they are partly
# correlated, and the consultants or products of those the row takes (correlated with its
# order alone; without order, with no order or several).
_TAKEN = """CASE WHEN g.order_id IS NULL THEN d.correlation_status != 'ok'
                 ELSE d.correlation_status = 'ok' AND EXISTS (
                     SELECT 1 FROM postproduction_delivery_sale_order_rel o
                      WHERE o.delivery_id = d.id AND o.order_id = g.order_id) END"""
_DELIVERY_LABEL = """COALESCE(
    (SELECT e.name FROM hr_employee e WHERE e.id = d.employee_id),
    (SELECT pt.name->>'en_US' FROM product_product pp
       JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = d.product_id),
    d.name)"""
_PROJECT_DELIVERIES = f"""
    SELECT bool_or(d.correlation_status = 'ok') AND bool_or(d.correlation_status != 'ok')
               AS partial_correlation,
           string_agg({_DELIVERY_LABEL}, ', ' ORDER BY d.kind, d.date_start, d.id)
               FILTER (WHERE {_TAKEN}) AS delivery_summary
      FROM postproduction_delivery d
     WHERE d.project_id = g.project_id AND d.state != 'draft' AND d.active
       AND d.date_start < g.period + interval '1 month' AND d.date_end >= g.period
"""


def _rounded(amount):
    return f"ROUND(({amount})::numeric, cur.decimal_places)"


def _produced(amount):
    return _rounded(f"CASE WHEN so.postproduction_mode = 'schedule' THEN 0 ELSE {amount} END")


FACTS_QUERY = f"""
    SELECT g.project_id, g.order_id, g.period, g.days,
           g.timesheet_draft_count, g.timesheet_submitted_count,
           g.timesheet_validated_count, g.timesheet_refused_count, g.pending_count,
           g.schedule_count, g.invoice_line_count, g.no_order_count, g.multiple_orders_count,
           c.id AS company_id, cur.id AS currency_id,
           COALESCE(so.partner_id, p.partner_id) AS partner_id,
           p.postproduction_type_id AS project_type_id,
           COALESCE(so.postproduction_mode, '') AS mode,
           {_rounded(_VALUED)} AS timesheet_turnover,
           {_produced("g.expense_amount")} AS expense_turnover,
           {_produced("g.purchase_amount")} AS purchase_turnover,
           {_rounded("g.schedule_amount")} AS schedule_turnover,
           {_rounded("g.invoiced_amount")} AS invoiced_turnover,
           {_rounded("g.advanced_amount")} AS advanced_turnover,
           {_rounded("g.advanced_amount + g.deducted_amount")} AS open_advance,
           {_rounded(_VALUED)} + {_produced("g.expense_amount")}
               + {_produced("g.purchase_amount")} + {_rounded("g.schedule_amount")}
               AS production_turnover,
           COALESCE(c.postproduction_validated_timesheets_only, FALSE) AS validated_only,
           COALESCE(pd.partial_correlation, FALSE) AS partial_correlation,
           pd.delivery_summary, so.name AS order_name, rp.complete_name AS partner_name,
           p.name AS project_name
      FROM ({AGGREGATE_QUERY}) g
      LEFT JOIN sale_order so ON so.id = g.order_id
      LEFT JOIN project_project p ON p.id = g.project_id
      LEFT JOIN res_company c ON c.id = COALESCE(so.company_id, g.company_id, p.company_id)
      LEFT JOIN res_currency cur ON cur.id = COALESCE(so.currency_id, c.currency_id)
      LEFT JOIN res_partner rp ON rp.id = COALESCE(so.partner_id, p.partner_id)
      LEFT JOIN LATERAL ({_PROJECT_DELIVERIES}) pd ON TRUE
"""


def turnover_query():
    """The body of the model's view (an ``SQL`` object)."""
    status_case, status_params = diagnosis.sql_case("f")
    return SQL(
        """
        SELECT %(row_id)s AS id,
               f.period, f.project_id, f.order_id, f.partner_id, f.project_type_id,
               f.company_id, f.currency_id, NULLIF(f.mode, '')::varchar AS mode,
               ROUND(f.days::numeric, 2) AS days,
               f.timesheet_draft_count, f.timesheet_submitted_count,
               f.timesheet_validated_count, f.timesheet_refused_count,
               f.timesheet_turnover, f.expense_turnover, f.purchase_turnover,
               f.schedule_turnover, f.production_turnover, f.invoiced_turnover,
               f.production_turnover - f.invoiced_turnover AS delta,
               f.advanced_turnover, f.open_advance,
               f.production_turnover - f.advanced_turnover AS regularisation,
               (%(status)s)::varchar AS status,
               n.note,
               f.no_order_count, f.multiple_orders_count, f.partial_correlation,
               f.schedule_count, f.invoice_line_count, f.pending_count, f.validated_only,
               f.delivery_summary, f.order_name, f.partner_name, f.project_name
          FROM (SELECT facts.*,
                       ABS(facts.production_turnover - facts.invoiced_turnover) AS abs_delta,
                       ABS(facts.production_turnover) AS abs_production,
                       ABS(facts.open_advance) AS abs_open_advance
                  FROM (%(facts)s) facts) f
          LEFT JOIN postproduction_turnover_note n
                 ON COALESCE(n.project_id, 0) = COALESCE(f.project_id, 0)
                AND COALESCE(n.order_id, 0) = COALESCE(f.order_id, 0) AND n.period = f.period
        """,
        row_id=SQL(turnover_key.sql_expression("f")),
        status=SQL(status_case, *status_params),
        facts=SQL(FACTS_QUERY),
    )
