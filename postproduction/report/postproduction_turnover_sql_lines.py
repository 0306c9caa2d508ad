"""The dashboard's SQL, part 2 of 3: the activity lines.

One line per thing that happened, attributed to a (project, order or none, month):
timesheets (their groups, valued), re-invoiced expenses and purchases, instalments of
schedule orders and customer invoice lines; every branch of the ``UNION ALL`` names the
same columns. The activity is the same lines, the timesheets one by one, less those of
projects that are neither billable nor delivered: a row's buttons read it.
"""

from .postproduction_turnover_sql_timesheet import (
    ANALYTIC_MONTH,
    LINE_DELIVERY,
    TIMESHEET_GROUP_QUERY,
    attributed,
)

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
                   {attributed("al")}
              FROM account_analytic_line al
              {LINE_DELIVERY}
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
    SELECT (CASE WHEN aml.expense_id IS NOT NULL THEN 'expense' ELSE 'purchase' END)::varchar
               AS kind,
           al.id AS res_id, aml.move_id,
           COALESCE(d.project_id, solp.project_id, ap.project_id) AS project_id,
           CASE WHEN d.id IS NULL THEN sol.order_id WHEN d.order_count = 1 THEN d.order_id END
               AS order_id,
           {ANALYTIC_MONTH} AS period,
           al.company_id, d.id AS delivery_id,
           ({_correlation("d")})::varchar AS correlation,
           NULL::varchar AS approval_state, TRUE AS delivered, 0::float8 AS days,
           {_COST_AMOUNT} AS amount,
           1::bigint AS line_count
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
    SELECT 'schedule'::varchar AS kind, s.id AS res_id, s.move_id,
           {_order_project("so")} AS project_id,
           s.order_id,
           date_trunc('month', s.date::timestamp)::date AS period,
           so.company_id, NULL::integer AS delivery_id, 'ok'::varchar AS correlation,
           NULL::varchar AS approval_state, TRUE AS delivered,
           0::float8 AS days, s.amount::float8 AS amount, 1::bigint AS line_count
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
                 ELSE 'invoice' END)::varchar AS kind,
           aml.id AS res_id, m.id AS move_id,
           solp.project_id, sol.order_id,
           {INVOICE_MONTH} AS period,
           m.company_id, NULL::integer AS delivery_id, 'ok'::varchar AS correlation,
           NULL::varchar AS approval_state, TRUE AS delivered,
           0::float8 AS days,
           (CASE WHEN m.move_type = 'out_refund' THEN -aml.price_subtotal
                 ELSE aml.price_subtotal END)::float8 AS amount,
           1::bigint AS line_count
      FROM account_move m
      JOIN account_move_line aml ON aml.move_id = m.id AND aml.display_type = 'product'
      JOIN sale_order_line_invoice_rel ir ON ir.invoice_line_id = aml.id
      JOIN sale_order_line sol ON sol.id = ir.order_line_id
      JOIN sale_order so ON so.id = sol.order_id
      CROSS JOIN LATERAL (SELECT ({_line_project("sol", "so")}) AS project_id OFFSET 0) solp
     WHERE m.move_type IN ('out_invoice', 'out_refund') AND m.state != 'cancel'
       AND (solp.project_id IS NOT NULL OR so.postproduction_mode = 'schedule')
"""

OTHER_QUERIES = (COST_QUERY, SCHEDULE_QUERY, INVOICE_QUERY)
LINE_QUERY = "\nUNION ALL\n".join((TIMESHEET_QUERY, *OTHER_QUERIES))

# Timesheets count on billable projects, and on any project where a delivery takes them.
COUNTED = "(l.delivered OR p.allow_billable OR p.id IS NULL)"

ACTIVITY_QUERY = f"""
    SELECT l.* FROM ({"UNION ALL".join((TIMESHEET_LINE_QUERY, *OTHER_QUERIES))}) l
      LEFT JOIN project_project p ON p.id = l.project_id
     WHERE {COUNTED}
"""
