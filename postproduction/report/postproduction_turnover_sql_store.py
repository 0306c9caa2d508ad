"""The dashboard's SQL, the kept rows: a table of the rows, and the keys to compute again.

The rows the live view (``postproduction_turnover_live``) computes are kept in
``postproduction_turnover_stored``. A write to anything the view reads marks the keys of
the rows it may change in ``postproduction_turnover_dirty``: a (project, month), 0 for no
project, ``NULL`` for every project or every month. The marks are written by triggers on
Odoo's tables, in the transaction of the write: whoever sees the write sees its marks.

A read (``ROWS_FUNCTION``) returns the kept rows of the keys not marked, and computes the
marked ones from the view (by month and project, so that PostgreSQL reads only their
lines). Readers never write; writers only insert marks (no row shared by two writers, no
lock to wait for); a cron (``FOLD_FUNCTION``, every minute) computes the marked keys
again, keeps their rows, and deletes the marks it saw, in one transaction.

Triggers that mark from the rows changed (timesheets, invoice links) are statement-level
with transition tables; those that fire on few rows of wide tables Odoo updates often
(invoices, orders) are row-level, restricted to the columns the view reads and to an
actual change (``WHEN``): PostgreSQL checks the condition without calling the function.
A change that moves rows (an order's project, a delivery's) marks where they were
(``BEFORE``) and where they go (``AFTER``). Rare changes of settings (a unit's factor, a
company's currency) mark everything.
"""

import hashlib

from .postproduction_turnover_sql_lines import INVOICE_MONTH, _line_project, _order_project
from .postproduction_turnover_sql_timesheet import ANALYTIC_MONTH

STORED_TABLE = "postproduction_turnover_stored"
DIRTY_TABLE = "postproduction_turnover_dirty"
LIVE_VIEW = "postproduction_turnover_live"
#: The rows of a range of months: kept rows, and the marked ones computed.
ROWS_FUNCTION = "postproduction_turnover_rows"
#: The rows of the marked keys, computed from the view.
COMPUTE_FUNCTION = "postproduction_turnover_compute"
#: Keeps the rows of the marked keys; returns how many marks it folded.
FOLD_FUNCTION = "postproduction_turnover_fold"
_PREFIX = "postproduction_mark"

_MARK = f"INSERT INTO {DIRTY_TABLE} (project_id, period)"
_EVERYTHING = f"{_MARK} VALUES (NULL, NULL);"

DIRTY_TABLE_DDL = f"""
    CREATE TABLE IF NOT EXISTS {DIRTY_TABLE} (
        project_id integer,
        period date)"""


def stored_table_ddl():
    return [
        f"DROP TABLE IF EXISTS {STORED_TABLE}",
        f"CREATE TABLE {STORED_TABLE} AS SELECT * FROM {LIVE_VIEW} WITH NO DATA",
        f"CREATE INDEX {STORED_TABLE}_period_idx ON {STORED_TABLE} (period, project_id)",
        f"CREATE INDEX {STORED_TABLE}_id_idx ON {STORED_TABLE} (id)",
    ]


# ---------------------------------------------------------------- reading
# The marks ``mp`` (projects) / ``md`` (months), split into what PL/pgSQL variables of
# the same names hold: ``everything``, whole ``months``, whole ``projects``, and the
# (project, month) pairs of the others (``pairs_p``, ``pairs_d``).
_SPLIT_MARKS = """
            everything := EXISTS (SELECT 1 FROM unnest(mp, md) k (p, d)
                                   WHERE p IS NULL AND d IS NULL);
            SELECT COALESCE(array_agg(DISTINCT d), '{}') INTO months
              FROM unnest(mp, md) k (p, d) WHERE p IS NULL AND d IS NOT NULL;
            SELECT COALESCE(array_agg(DISTINCT p), '{}') INTO projects
              FROM unnest(mp, md) k (p, d) WHERE p IS NOT NULL AND d IS NULL;
            SELECT COALESCE(array_agg(p), '{}'), COALESCE(array_agg(d), '{}')
              INTO pairs_p, pairs_d
              FROM (SELECT DISTINCT p, d FROM unnest(mp, md) k (p, d)
                     WHERE p IS NOT NULL AND d IS NOT NULL
                       AND d <> ALL(months) AND p <> ALL(projects)) k;"""

_SPLIT_DECLARE = """
            everything boolean;
            months date[];
            projects integer[];
            pairs_p integer[];
            pairs_d date[];"""

# Whether the kept row ``s`` is under a mark (``_SPLIT_MARKS``); a hashed subplan.
_MARKED = """(s.period = ANY(months) OR COALESCE(s.project_id, 0) = ANY(projects)
              OR (COALESCE(s.project_id, 0), s.period)
                 IN (SELECT * FROM unnest(pairs_p, pairs_d)))"""


def compute_function_ddl():
    """The rows between ``d_from`` and ``d_to`` of the marks (``_SPLIT_MARKS``), computed
    from the view: the months marked as a whole, then the projects marked as a whole
    (other months), then the projects of each month marked; each row computed once."""
    live = LIVE_VIEW
    return f"""
        CREATE OR REPLACE FUNCTION {COMPUTE_FUNCTION}(
            d_from date, d_to date, months date[], projects integer[],
            pairs_p integer[], pairs_d date[])
        RETURNS SETOF {STORED_TABLE}
        LANGUAGE plpgsql STABLE ROWS 100
        SET plan_cache_mode = force_generic_plan
        SET jit = off
        AS $body$
        DECLARE
            month date;
            month_projects integer[];
        BEGIN
            IF cardinality(months) > 0 THEN
                RETURN QUERY SELECT * FROM {live}
                              WHERE period = ANY(months) AND period BETWEEN d_from AND d_to;
            END IF;
            IF cardinality(projects) > 0 THEN
                RETURN QUERY SELECT * FROM {live}
                              WHERE project_id = ANY(projects)
                                AND period BETWEEN d_from AND d_to
                                AND period <> ALL(months);
                IF 0 = ANY(projects) THEN
                    RETURN QUERY SELECT * FROM {live}
                                  WHERE project_id IS NULL
                                    AND period BETWEEN d_from AND d_to
                                    AND period <> ALL(months);
                END IF;
            END IF;
            FOR month, month_projects IN
                SELECT d, array_agg(p) FROM unnest(pairs_p, pairs_d) k (p, d)
                 WHERE d BETWEEN d_from AND d_to GROUP BY d
            LOOP
                RETURN QUERY SELECT * FROM {live}
                              WHERE period = month AND project_id = ANY(month_projects);
                IF 0 = ANY(month_projects) THEN
                    RETURN QUERY SELECT * FROM {live}
                                  WHERE period = month AND project_id IS NULL;
                END IF;
            END LOOP;
        END
        $body$"""


def rows_function_ddl():
    """The rows between ``d_from`` and ``d_to`` (``NULL``: no bound): the kept rows of
    the keys not marked, and the rows of the marked keys computed from the view. With
    ``orders``, some of the rows of those orders at least (the caller's search keeps
    theirs): only the marks of the projects where their rows are count.

    In PL/pgSQL, its queries are planned once per connection (a generic plan), not on
    every read; the marks are read first, so that the view is read for them alone.
    """
    return f"""
        CREATE OR REPLACE FUNCTION {ROWS_FUNCTION}(d_from date, d_to date,
                                                   orders integer[] DEFAULT NULL)
        RETURNS SETOF {STORED_TABLE}
        LANGUAGE plpgsql STABLE ROWS 2000
        SET plan_cache_mode = force_generic_plan
        SET jit = off
        AS $body$
        DECLARE
            mp integer[];
            md date[];{_SPLIT_DECLARE}
        BEGIN
            d_from := COALESCE(d_from, '-infinity'::date);
            d_to := COALESCE(d_to, 'infinity'::date);
            SELECT array_agg(project_id), array_agg(period) INTO mp, md
              FROM (SELECT DISTINCT project_id, period FROM {DIRTY_TABLE}
                     WHERE period IS NULL OR period BETWEEN d_from AND d_to) k;
            IF mp IS NOT NULL AND orders IS NOT NULL THEN
                SELECT array_agg(k.p), array_agg(k.d) INTO mp, md
                  FROM unnest(mp, md) k (p, d)
                 WHERE k.p IS NULL OR k.p IN (
                       SELECT COALESCE(o.project_id, 0)
                         FROM ({_order_projects("orders", ("d_from", "d_to"))}) o (project_id));
            END IF;
            IF mp IS NULL THEN
                RETURN QUERY SELECT * FROM {STORED_TABLE}
                              WHERE period BETWEEN d_from AND d_to
                                AND (orders IS NULL OR order_id = ANY(orders));
                RETURN;
            END IF;{_SPLIT_MARKS}
            IF everything THEN
                RETURN QUERY SELECT * FROM {LIVE_VIEW} WHERE period BETWEEN d_from AND d_to;
                RETURN;
            END IF;
            RETURN QUERY SELECT * FROM {STORED_TABLE} s
                          WHERE s.period BETWEEN d_from AND d_to AND NOT {_MARKED}
                            AND (orders IS NULL OR s.order_id = ANY(orders));
            RETURN QUERY SELECT * FROM {COMPUTE_FUNCTION}(
                d_from, d_to, months, projects, pairs_p, pairs_d);
        END
        $body$"""


def fold_function_ddl():
    """Keep the rows of the keys marked, and delete the marks seen; returns their count.

    Only the cron and the installation call it, one at a time (an advisory lock): a
    mark written by a transaction this one does not see stays for the next fold. The
    rows computed may carry their packed key as id: the caller gives them their id.
    """
    return f"""
        CREATE OR REPLACE FUNCTION {FOLD_FUNCTION}() RETURNS integer
        LANGUAGE plpgsql
        SET jit = off
        AS $body$
        DECLARE
            mp integer[];
            md date[];{_SPLIT_DECLARE}
        BEGIN
            WITH folded AS (DELETE FROM {DIRTY_TABLE} RETURNING project_id, period)
            SELECT array_agg(project_id), array_agg(period) INTO mp, md
              FROM (SELECT DISTINCT project_id, period FROM folded) k;
            IF mp IS NULL THEN
                RETURN 0;
            END IF;{_SPLIT_MARKS}
            IF everything THEN
                DELETE FROM {STORED_TABLE};
                INSERT INTO {STORED_TABLE} SELECT * FROM {LIVE_VIEW};
            ELSE
                DELETE FROM {STORED_TABLE} s WHERE {_MARKED};
                INSERT INTO {STORED_TABLE}
                SELECT * FROM {COMPUTE_FUNCTION}(
                    '-infinity', 'infinity', months, projects, pairs_p, pairs_d);
            END IF;
            RETURN cardinality(mp);
        END
        $body$"""


# ---------------------------------------------------------------- what marks which keys
def _order_projects(orders, months=None):
    """The projects where the rows of the orders ``orders`` (an array) are, for every
    month or between the ``months`` (first, last) given: the orders' own and their
    lines' (schedules, invoices, costs), their deliveries' (timesheets valued on them),
    and those of the timesheets and costs valued on their lines. What marks an order's
    rows, and what limits a read to them."""
    dates = ""
    if months:
        dates = f"AND al.date >= {months[0]} AND al.date < {months[1]} + interval '1 month'"
    return f"""
    SELECT {_order_project("so")} FROM sale_order so WHERE so.id = ANY({orders})
    UNION
    SELECT {_line_project("sol", "so")}
      FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
     WHERE sol.order_id = ANY({orders})
    UNION
    SELECT d.project_id FROM postproduction_delivery_sale_order_rel r
      JOIN postproduction_delivery d ON d.id = r.delivery_id WHERE r.order_id = ANY({orders})
    UNION
    SELECT d.project_id FROM postproduction_delivery d
      JOIN sale_order_line sol ON sol.id = d.sale_line_id WHERE sol.order_id = ANY({orders})
    UNION
    SELECT COALESCE(al.project_id,
                    (SELECT pa.id FROM project_project pa WHERE pa.account_id = al.account_id
                      ORDER BY pa.id LIMIT 1))
      FROM account_analytic_line al WHERE al.order_id = ANY({orders}) {dates}
    UNION
    SELECT COALESCE(al.project_id,
                    (SELECT pa.id FROM project_project pa WHERE pa.account_id = al.account_id
                      ORDER BY pa.id LIMIT 1))
      FROM account_analytic_line al JOIN sale_order_line sol ON sol.id = al.so_line
     WHERE sol.order_id = ANY({orders}) {dates}"""


def _cost_marks(rows):
    """Mark the keys of the re-invoiced costs among the analytic lines ``rows`` (alias
    ``r``): their month, on the project of their order line and on their account's
    (the first), or on no project when they have neither. Timesheets (most writes) skip
    the query: its plan costs more than its run."""
    return f"""IF EXISTS (SELECT 1 FROM {rows} r
                   WHERE r.project_id IS NULL AND r.move_line_id IS NOT NULL) THEN
        {_MARK}
        SELECT DISTINCT k.project_id, date_trunc('month', r.date::timestamp)::date
          FROM {rows} r
          LEFT JOIN sale_order_line sol ON sol.id = r.so_line
          LEFT JOIN sale_order so ON so.id = sol.order_id
         CROSS JOIN LATERAL (
               SELECT CASE WHEN sol.id IS NOT NULL THEN {_line_project("sol", "so")} END,
                      (SELECT pa.id FROM project_project pa WHERE pa.account_id = r.account_id
                        ORDER BY pa.id LIMIT 1)) x (line_project, account_project)
         CROSS JOIN LATERAL unnest(
               CASE WHEN x.line_project IS NULL AND x.account_project IS NULL THEN ARRAY[0]
                    ELSE array_remove(ARRAY[x.line_project, x.account_project], NULL)
               END) k (project_id)
         WHERE r.project_id IS NULL AND r.move_line_id IS NOT NULL;
    END IF;"""


# Mark the keys of the invoice lines ``$1``: their project (through their order line)
# in the month their invoice bills.
_INVOICE_LINE_MARKS = f"""{_MARK}
    SELECT DISTINCT COALESCE({_line_project("sol", "so")}, 0), {INVOICE_MONTH}
      FROM account_move_line aml
      JOIN account_move m ON m.id = aml.move_id
      JOIN sale_order_line_invoice_rel ir ON ir.invoice_line_id = aml.id
      JOIN sale_order_line sol ON sol.id = ir.order_line_id
      JOIN sale_order so ON so.id = sol.order_id
     WHERE aml.id = ANY($1) AND m.move_type IN ('out_invoice', 'out_refund')"""

# Functions of the marks, shared by the triggers: (name, arguments, body). In PL/pgSQL,
# their plans are kept by the connection (an SQL function is planned on every call).
_FUNCTIONS = [
    (
        "orders",
        "integer[], date",
        f"""{_MARK} SELECT DISTINCT COALESCE(k.project_id, 0), $2
                      FROM ({_order_projects("$1")}) k (project_id)""",
    ),
    ("invoice_lines", "integer[]", _INVOICE_LINE_MARKS),
    (
        "moves",
        "integer[]",
        f"""PERFORM {_PREFIX}_invoice_lines(array_agg(id)) FROM account_move_line
             WHERE move_id = ANY($1) AND display_type = 'product'""",
    ),
    (
        "deliveries",
        "integer[]",
        f"""{_MARK} SELECT DISTINCT COALESCE(project_id, 0), NULL::date
                      FROM postproduction_delivery WHERE id = ANY($1);
            PERFORM {_PREFIX}_orders(array_agg(DISTINCT o.order_id), NULL)
              FROM (SELECT r.order_id FROM postproduction_delivery_sale_order_rel r
                     WHERE r.delivery_id = ANY($1)
                    UNION
                    SELECT sol.order_id FROM postproduction_delivery d
                      JOIN sale_order_line sol ON sol.id = d.sale_line_id
                     WHERE d.id = ANY($1)
                    UNION
                    SELECT al.order_id FROM postproduction_delivery d
                      JOIN project_project p ON p.id = d.project_id
                      JOIN account_analytic_line al
                        ON al.account_id = p.account_id AND al.product_id = d.product_id
                       AND al.project_id IS NULL
                       AND al.date BETWEEN d.date_start AND d.date_end
                     WHERE d.id = ANY($1) AND d.kind IN ('product', 'purchase')
                       AND al.order_id IS NOT NULL) o""",
    ),
    (
        "partners",
        "integer[]",
        f"""{_MARK} SELECT DISTINCT id, NULL::date FROM project_project
                     WHERE partner_id = ANY($1);
            PERFORM {_PREFIX}_orders(array_agg(id), NULL) FROM sale_order
             WHERE partner_id = ANY($1)""",
    ),
]


def _changed(columns):
    return " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)


# The columns of Odoo's tables the view reads, whose changes mark: the model's
# ``_depends`` lists them (with the many2many fields, whose tables have their triggers).
ANALYTIC_COLUMNS = (
    "account_id",
    "amount",
    "approval_state",
    "company_id",
    "date",
    "employee_id",
    "move_line_id",
    "product_id",
    "product_uom_id",
    "project_id",
    "so_line",
    "unit_amount",
)

# Row-level triggers: (table, name, timing, events, columns, extra WHEN, body). The body
# is PL/pgSQL with OLD/NEW; the function returns what a BEFORE trigger must.
MOVE_COLUMNS = (
    "company_id",
    "date",
    "invoice_date",
    "move_type",
    "postproduction_period",
    "state",
)
_CUSTOMER = "IN ('out_invoice', 'out_refund')"
_AML_COLUMNS = ("display_type", "move_id", "postproduction_write_off", "price_subtotal")
ORDER_COLUMNS = (
    "company_id",
    "currency_id",
    "name",
    "partner_id",
    "postproduction_mode",
    "postproduction_signoff",
    "project_id",
    "state",
)
ORDER_LINE_COLUMNS = (
    "discount",
    "is_expense",
    "order_id",
    "postproduction_advance_period",
    "price_unit",
    "product_uom",
    "project_id",
)
DELIVERY_COLUMNS = (
    "active",
    "correlation_status",
    "daily_rate",
    "date_end",
    "date_start",
    "employee_id",
    "kind",
    "name",
    "product_id",
    "project_id",
    "sale_line_id",
    "state",
)
PROJECT_COLUMNS = (
    "account_id",
    "allow_billable",
    "company_id",
    "name",
    "partner_id",
    "postproduction_type_id",
)


def _moving(table, columns, old_call, new_call):
    """The triggers of a table whose rows' change moves dashboard rows: ``old_call``
    marks where they were (before an update, before a delete), ``new_call`` where they
    go (after an update); each a PL/pgSQL statement of ``OLD`` or ``NEW``."""
    return [
        (table, "before", "BEFORE", "UPDATE", columns, "", old_call),
        (table, "after", "AFTER", "UPDATE", columns, "", new_call),
        (table, "delete", "BEFORE", "DELETE", (), "", old_call),
    ]


def _row_triggers():
    move_old = f"PERFORM {_PREFIX}_moves(ARRAY[OLD.id]);"
    schedule = """{mark} SELECT COALESCE({project}, 0),
                                date_trunc('month', {row}.date::timestamp)::date
                           FROM sale_order so WHERE so.id = {row}.order_id;"""
    return [
        # invoices: their lines' keys, in the month billed before and after the change
        ("account_move", "before", "BEFORE", "UPDATE", MOVE_COLUMNS,
         f"OLD.move_type {_CUSTOMER} OR NEW.move_type {_CUSTOMER}", move_old),
        ("account_move", "after", "AFTER", "UPDATE", MOVE_COLUMNS,
         f"OLD.move_type {_CUSTOMER} OR NEW.move_type {_CUSTOMER}",
         f"PERFORM {_PREFIX}_moves(ARRAY[NEW.id]);"),
        ("account_move", "delete", "BEFORE", "DELETE", (),
         f"OLD.move_type {_CUSTOMER}", move_old),
        # a line keeps its key unless it moves to another invoice: marked before then only
        ("account_move_line", "before", "BEFORE", "UPDATE", ("move_id",), "",
         f"PERFORM {_PREFIX}_invoice_lines(ARRAY[OLD.id]);"),
        ("account_move_line", "after", "AFTER", "UPDATE", _AML_COLUMNS, "",
         f"PERFORM {_PREFIX}_invoice_lines(ARRAY[NEW.id]);"),
        ("account_move_line", "delete", "BEFORE", "DELETE", (),
         "OLD.display_type = 'product'",
         f"PERFORM {_PREFIX}_invoice_lines(ARRAY[OLD.id]);"),
        ("account_move_line", "expense", "AFTER", "UPDATE", ("expense_id",), "",
         _cost_marks("(SELECT * FROM account_analytic_line WHERE move_line_id = NEW.id)")),
        # orders and their lines, deliveries: where their rows are, before and after
        *_moving("sale_order", ORDER_COLUMNS,
                 f"PERFORM {_PREFIX}_orders(ARRAY[OLD.id], NULL);",
                 f"PERFORM {_PREFIX}_orders(ARRAY[NEW.id], NULL);"),
        *_moving("sale_order_line", ORDER_LINE_COLUMNS,
                 f"PERFORM {_PREFIX}_orders(ARRAY[OLD.order_id], NULL);",
                 f"PERFORM {_PREFIX}_orders(ARRAY[NEW.order_id], NULL);"),
        *_moving("postproduction_delivery", DELIVERY_COLUMNS,
                 f"PERFORM {_PREFIX}_deliveries(ARRAY[OLD.id]);",
                 f"PERFORM {_PREFIX}_deliveries(ARRAY[NEW.id]);"),
        ("postproduction_delivery", "insert", "AFTER", "INSERT", (), "",
         f"PERFORM {_PREFIX}_deliveries(ARRAY[NEW.id]);"),
        # instalments: their order's project, their month
        ("postproduction_schedule", "insert", "AFTER", "INSERT", (), "",
         schedule.format(mark=_MARK, project=_order_project("so"), row="NEW")),
        ("postproduction_schedule", "update", "AFTER", "UPDATE",
         ("amount", "date", "move_id", "order_id"), "",
         schedule.format(mark=_MARK, project=_order_project("so"), row="OLD")
         + schedule.format(mark=_MARK, project=_order_project("so"), row="NEW")),
        ("postproduction_schedule", "delete", "BEFORE", "DELETE", (), "",
         schedule.format(mark=_MARK, project=_order_project("so"), row="OLD")),
        # activity statements: their order's rows of their month
        ("postproduction_activity_statement", "insert", "AFTER", "INSERT", (), "",
         f"PERFORM {_PREFIX}_orders(ARRAY[NEW.order_id], NEW.period);"),
        ("postproduction_activity_statement", "update", "AFTER", "UPDATE",
         ("order_id", "period", "state"), "",
         f"""PERFORM {_PREFIX}_orders(ARRAY[OLD.order_id], OLD.period);
             PERFORM {_PREFIX}_orders(ARRAY[NEW.order_id], NEW.period);"""),
        ("postproduction_activity_statement", "delete", "AFTER", "DELETE", (), "",
         f"PERFORM {_PREFIX}_orders(ARRAY[OLD.order_id], OLD.period);"),
        # notes: their row
        ("postproduction_turnover_note", "insert", "AFTER", "INSERT", (), "",
         f"{_MARK} VALUES (COALESCE(NEW.project_id, 0), NEW.period);"),
        ("postproduction_turnover_note", "update", "AFTER", "UPDATE",
         ("company_id", "note", "order_id", "period", "project_id"), "",
         f"""{_MARK} VALUES (COALESCE(OLD.project_id, 0), OLD.period),
                            (COALESCE(NEW.project_id, 0), NEW.period);"""),
        ("postproduction_turnover_note", "delete", "AFTER", "DELETE", (), "",
         f"{_MARK} VALUES (COALESCE(OLD.project_id, 0), OLD.period);"),
        # names and settings the rows show
        ("project_project", "update", "AFTER", "UPDATE", PROJECT_COLUMNS, "",
         f"""{_MARK} SELECT id, NULL::date FROM project_project
                      WHERE id IN (OLD.id, NEW.id)
                         OR account_id IN (OLD.account_id, NEW.account_id);"""),
        ("project_project", "delete", "BEFORE", "DELETE", (), "",
         f"{_MARK} VALUES (OLD.id, NULL);"),
        ("hr_employee", "update", "AFTER", "UPDATE", ("name",), "",
         f"""{_MARK} SELECT DISTINCT project_id, NULL::date FROM postproduction_delivery
                      WHERE employee_id = NEW.id;"""),
        ("res_partner", "update", "AFTER", "UPDATE", ("complete_name",), "",
         f"PERFORM {_PREFIX}_partners(ARRAY[NEW.id]);"),
        ("product_template", "name", "AFTER", "UPDATE", ("name",), "",
         f"""{_MARK} SELECT DISTINCT d.project_id, NULL::date FROM postproduction_delivery d
                      JOIN product_product pp ON pp.id = d.product_id
                     WHERE pp.product_tmpl_id = NEW.id;"""),
        ("product_template", "price", "AFTER", "UPDATE", ("expense_policy", "list_price"), "",
         _EVERYTHING),
        ("product_product", "update", "AFTER", "UPDATE", ("product_tmpl_id",), "",
         _EVERYTHING),
        ("res_company", "update", "AFTER", "UPDATE",
         ("currency_id", "postproduction_validated_timesheets_only"), "", _EVERYTHING),
        ("res_currency", "update", "AFTER", "UPDATE", ("decimal_places",), "", _EVERYTHING),
        ("uom_uom", "update", "AFTER", "UPDATE", ("category_id", "factor"), "", _EVERYTHING),
    ]  # fmt: skip


# Statement-level triggers with transition tables: (table, name, event, body).
def _statement_triggers():
    changed = " OR ".join(f"o.{column} IS DISTINCT FROM n.{column}" for column in ANALYTIC_COLUMNS)
    timesheets = """{mark} SELECT DISTINCT project_id, {month} FROM {rows} al
                            WHERE project_id IS NOT NULL;"""
    updated = f"""(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}
                   UNION ALL
                   SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed})"""
    analytic = {
        "INSERT": "new_rows",
        "DELETE": "old_rows",
        "UPDATE": updated,
    }
    triggers = [
        (
            "account_analytic_line",
            event.lower(),
            event,
            timesheets.format(mark=_MARK, month=ANALYTIC_MONTH, rows=rows) + _cost_marks(rows),
        )
        for event, rows in analytic.items()
    ]
    triggers += [
        (
            "sale_order_line_invoice_rel",
            "insert",
            "INSERT",
            f"""PERFORM {_PREFIX}_invoice_lines(array_agg(invoice_line_id))
                   FROM new_rows;""",
        ),
        (
            "sale_order_line_invoice_rel",
            "delete",
            "DELETE",
            f"""{_MARK}
                SELECT DISTINCT COALESCE({_line_project("sol", "so")}, 0), {INVOICE_MONTH}
                  FROM old_rows ir
                  JOIN account_move_line aml ON aml.id = ir.invoice_line_id
                  JOIN account_move m ON m.id = aml.move_id
                  JOIN sale_order_line sol ON sol.id = ir.order_line_id
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE m.move_type IN ('out_invoice', 'out_refund');""",
        ),
        (
            "postproduction_delivery_sale_order_rel",
            "insert",
            "INSERT",
            f"""PERFORM {_PREFIX}_deliveries(array_agg(delivery_id)) FROM new_rows;""",
        ),
        (
            "postproduction_delivery_sale_order_rel",
            "delete",
            "DELETE",
            f"""PERFORM {_PREFIX}_deliveries(array_agg(delivery_id)) FROM old_rows;
                PERFORM {_PREFIX}_orders(array_agg(order_id), NULL) FROM old_rows;""",
        ),
    ]
    return triggers


#: Tables truncated mark everything.
_TRUNCATED = ("account_analytic_line", "account_move_line", "postproduction_delivery")


def _trigger_name(table, name):
    """A trigger's name, and its function's: within PostgreSQL's 63 characters."""
    return f"{_PREFIX}_{table.removeprefix('postproduction_')}_{name}"


def _trigger_names():
    """(table, trigger, function) of every trigger that marks."""
    names = [
        (table, _trigger_name(table, name), _trigger_name(table, name))
        for table, name, *_rest in _row_triggers()
    ]
    names += [
        (table, _trigger_name(table, name), _trigger_name(table, name))
        for table, name, *_rest in _statement_triggers()
    ]
    names += [
        (table, _trigger_name(table, "truncate"), f"{_PREFIX}_everything") for table in _TRUNCATED
    ]
    return names


def _trigger_function(name, body, returns):
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        BEGIN
            {body}
            RETURN {returns};
        END
        $body$"""


def marks_ddl():
    """The functions and triggers that mark keys (SQL statements, in order)."""
    statements = [DIRTY_TABLE_DDL]
    statements += [
        f"""CREATE OR REPLACE FUNCTION {_PREFIX}_{name}({arguments}) RETURNS void
            LANGUAGE plpgsql AS $body$ BEGIN {body}; END $body$"""
        for name, arguments, body in _FUNCTIONS
    ]
    for table, name, timing, event, columns, when, body in _row_triggers():
        function = _trigger_name(table, name)
        returns = "NULL" if timing == "AFTER" else ("OLD" if event == "DELETE" else "NEW")
        conditions = [f"({condition})" for condition in (_changed(columns), when) if condition]
        statements += [
            _trigger_function(function, body, returns),
            f"DROP TRIGGER IF EXISTS {function} ON {table}",
            f"""CREATE TRIGGER {function} {timing} {event}
                {"OF " + ", ".join(columns) if columns else ""} ON {table}
                FOR EACH ROW {"WHEN (" + " AND ".join(conditions) + ")" if conditions else ""}
                EXECUTE FUNCTION {function}()""",
        ]
    for table, name, event, body in _statement_triggers():
        function = _trigger_name(table, name)
        referencing = {
            "INSERT": "NEW TABLE AS new_rows",
            "DELETE": "OLD TABLE AS old_rows",
            "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        }[event]
        statements += [
            _trigger_function(function, body, "NULL"),
            f"DROP TRIGGER IF EXISTS {function} ON {table}",
            f"""CREATE TRIGGER {function} AFTER {event} ON {table}
                REFERENCING {referencing} FOR EACH STATEMENT
                EXECUTE FUNCTION {function}()""",
        ]
    statements.append(_trigger_function(f"{_PREFIX}_everything", _EVERYTHING, "NULL"))
    for table in _TRUNCATED:
        trigger = _trigger_name(table, "truncate")
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
            f"""CREATE TRIGGER {trigger} AFTER TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION {_PREFIX}_everything()""",
        ]
    return statements


def marks_drop():
    """The statements that remove the triggers and functions that mark keys."""
    statements = [
        f"DROP TRIGGER IF EXISTS {trigger} ON {table}" for table, trigger, _f in _trigger_names()
    ]
    functions = {function for _t, _n, function in _trigger_names()}
    statements += [f"DROP FUNCTION IF EXISTS {function}()" for function in sorted(functions)]
    statements += [
        f"DROP FUNCTION IF EXISTS {_PREFIX}_{name}({arguments})"
        for name, arguments, _body in reversed(_FUNCTIONS)
    ]
    return statements


def read_functions_drop():
    return [
        f"DROP FUNCTION IF EXISTS {ROWS_FUNCTION}(date, date)",  # of an earlier version
        f"DROP FUNCTION IF EXISTS {ROWS_FUNCTION}(date, date, integer[])",
        f"DROP FUNCTION IF EXISTS {FOLD_FUNCTION}()",
        f"DROP FUNCTION IF EXISTS {COMPUTE_FUNCTION}"
        "(date, date, date[], integer[], integer[], date[])",
    ]


def read_functions_ddl():
    return [compute_function_ddl(), rows_function_ddl(), fold_function_ddl()]


def stored_fingerprint(live_definition):
    """What the kept rows are: the view's definition (as PostgreSQL prints it) and the
    table's. The rows are computed again when this changes, not on every upgrade."""
    definition = "\n".join([live_definition, *stored_table_ddl()])
    return "postproduction " + hashlib.sha1(definition.encode()).hexdigest()
