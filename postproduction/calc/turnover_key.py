"""The stable id of a dashboard row, packed from its (month, project, order).

A row of the dashboard is one project's month on one order (or on no order). Its id must
stay the same whenever the view is rebuilt, so that notes, row buttons and the web client
can refer to it; it must also fit the 53 bits a browser represents exactly. The id packs:

- the month, counted from January 1950 (11 bits: until 2120),
- the project id (20 bits: up to 1,048,575; 0 for no project),
- the order id (22 bits: up to 4,194,303; 0 for no order).

The SQL view computes the same packing (:data:`SQL_TEMPLATE`). This module imports nothing
from Odoo.
"""

from datetime import date

BASE_YEAR = 1950
MONTH_BITS = 11
PROJECT_BITS = 20
ORDER_BITS = 22
MAX_PROJECT_ID = (1 << PROJECT_BITS) - 1
MAX_ORDER_ID = (1 << ORDER_BITS) - 1

#: The packing in SQL over the columns ``period``, ``project_id`` and ``order_id`` of
#: ``{alias}`` (see :func:`sql_expression`).
SQL_TEMPLATE = (
    "(((EXTRACT(YEAR FROM {alias}.period)::bigint - {base}) * 12"
    " + EXTRACT(MONTH FROM {alias}.period)::bigint - 1) << {month_shift})"
    " | (COALESCE({alias}.project_id, 0)::bigint << {project_shift})"
    " | COALESCE({alias}.order_id, 0)::bigint"
)


def sql_expression(alias):
    """The SQL expression computing the id of the rows of ``alias``."""
    if not alias.isidentifier():
        raise ValueError(f"Invalid alias {alias!r}")
    return SQL_TEMPLATE.format(
        alias=alias,
        base=BASE_YEAR,
        month_shift=PROJECT_BITS + ORDER_BITS,
        project_shift=ORDER_BITS,
    )


def row_id(period, project_id=None, order_id=None):
    """The id of the row of ``period`` (any day of the month), project and order."""
    project_id, order_id = project_id or 0, order_id or 0
    if not 0 <= project_id <= MAX_PROJECT_ID or not 0 <= order_id <= MAX_ORDER_ID:
        raise ValueError("Project or order id out of the dashboard's range")
    month = (period.year - BASE_YEAR) * 12 + period.month - 1
    if not 0 <= month < 1 << MONTH_BITS:
        raise ValueError(f"Month {period:%Y-%m} out of the dashboard's range")
    return (month << (PROJECT_BITS + ORDER_BITS)) | (project_id << ORDER_BITS) | order_id


def split_row_id(value):
    """``(period, project_id or None, order_id or None)`` of a row id."""
    month = value >> (PROJECT_BITS + ORDER_BITS)
    project_id = (value >> ORDER_BITS) & MAX_PROJECT_ID
    order_id = value & MAX_ORDER_ID
    year, month_index = divmod(month, 12)
    return date(BASE_YEAR + year, month_index + 1, 1), project_id or None, order_id or None
