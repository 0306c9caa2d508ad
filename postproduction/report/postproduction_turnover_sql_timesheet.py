"""The dashboard's SQL, part 1 of 3: the timesheets.

The timesheet lines summed per (project, consultant, order line, unit, approval,
company, month) in ``postproduction_timesheet_month``, kept by statement-level triggers
on ``account_analytic_line``; and the attribution of a timesheet, or of a group of them,
to the delivery of its consultant on its project covering its date.

Every fragment is SQL text built by an f-string or a small function of its aliases;
``postproduction_turnover_sql`` assembles the views, with Odoo's ``SQL`` for what is passed
as parameters, and ``tests/sql/dashboard.sql`` shows the result.
"""

import hashlib

#: The sums of the timesheet lines per group, kept by triggers (``timesheet_month_ddl``).
TIMESHEET_MONTH_TABLE = "postproduction_timesheet_month"

#: The month of an analytic line; the indexes ``postproduction_aal_*_month_idx`` match it.
ANALYTIC_MONTH = "date_trunc('month', al.date::timestamp)::date"


# A timesheet belongs to the delivery of its consultant on its project covering its date;
# without one, to its order line (standard Odoo). This attribution is shared by the lines
# (for the buttons) and by the groups summed for the dashboard.
_RESOURCE_DELIVERY = """(SELECT id, project_id, employee_id, date_start, date_end,
                                 sale_line_id, daily_rate, correlation_status
                            FROM postproduction_delivery
                           WHERE kind = 'resource' AND state != 'draft' AND active)"""
LINE_DELIVERY = f"""
      LEFT JOIN {_RESOURCE_DELIVERY} da
             ON da.project_id = al.project_id AND da.employee_id = al.employee_id
            AND al.date BETWEEN da.date_start AND da.date_end"""


def attributed(source):
    """What the valuation needs of a timesheet (or group) ``source`` attributed to ``da``."""
    return f"""da.id AS delivery_id, da.sale_line_id AS delivery_line_id, da.daily_rate,
               da.correlation_status,
               CASE WHEN da.id IS NULL THEN NULLIF({source}.so_line, 0) END AS sale_line_id,
               NULLIF({source}.product_uom_id, 0) AS product_uom_id,
               {source}.approval_state, {source}.company_id"""


# The key of a group, from a line ``r``: no column is NULL, so that one unique index
# (any PostgreSQL version) finds a group again; 0 stands for no consultant, order line or
# unit (``company_id`` and ``approval_state`` are required, ``date`` too).
def _group_key(r):
    return {
        "period": f"date_trunc('month', {r}.date::timestamp)::date",
        "project_id": f"{r}.project_id",
        "employee_id": f"COALESCE({r}.employee_id, 0)",
        "so_line": f"COALESCE({r}.so_line, 0)",
        "product_uom_id": f"COALESCE({r}.product_uom_id, 0)",
        "approval_state": f"{r}.approval_state",
        "company_id": f"{r}.company_id",
    }


#: The columns of a group's key.
_GROUP_COLUMNS = tuple(_group_key("r"))
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
    SELECT g.project_id, g.period, {attributed("g")},
           g.hours::float8 AS hours, g.line_count
      FROM {TIMESHEET_MONTH_TABLE} g
      LEFT JOIN {_RESOURCE_DELIVERY} da
             ON da.project_id = g.project_id AND da.employee_id = g.employee_id
            AND g.date_first BETWEEN da.date_start AND da.date_end
     WHERE NOT {_CUT_BY_A_DELIVERY}
    UNION ALL
    SELECT al.project_id, g.period, {attributed("al")},
           COALESCE(al.unit_amount, 0) AS hours, 1 AS line_count
      FROM (SELECT {", ".join(f"g.{name}" for name in _GROUP_COLUMNS)}
              FROM {TIMESHEET_MONTH_TABLE} g
             WHERE {_CUT_BY_A_DELIVERY}
             GROUP BY {", ".join(f"g.{name}" for name in _GROUP_COLUMNS)}) g
      JOIN account_analytic_line al
        ON {ANALYTIC_MONTH} = g.period AND al.project_id = g.project_id
       AND al.employee_id = g.employee_id AND COALESCE(al.so_line, 0) = g.so_line
       AND COALESCE(al.product_uom_id, 0) = g.product_uom_id
       AND al.approval_state = g.approval_state AND al.company_id = g.company_id
      {LINE_DELIVERY}
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
    keys = ", ".join(_group_key("r").values())
    columns = ", ".join(f"{expression} AS {name}" for name, expression in _group_key("r").items())
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
    names = ", ".join(_GROUP_COLUMNS)
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
         USING (SELECT DISTINCT {", ".join(_group_key("r").values())}
                  FROM {rows} r WHERE r.project_id IS NOT NULL AND r.sign < 0) k ({names})
         WHERE t.line_count = 0
           AND {" AND ".join(f"t.{name} = k.{name}" for name in _GROUP_COLUMNS)};"""


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
    names = ", ".join(_GROUP_COLUMNS)
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
    names = ", ".join(_GROUP_COLUMNS)
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
