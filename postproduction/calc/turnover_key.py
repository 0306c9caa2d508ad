"""The key of a dashboard row, packed from its (month, project, order).

A row of the dashboard is one project's month on one order (or on no order). The packed
key is unique and computed by the view itself, but it takes 53 bits, beyond the 32 bits
of Odoo's XML-RPC API: a row's id is a small number given the first time the row is read,
kept in a table of keys, and the packed key only stands for the id of a row not yet
given one (a read-only cursor cannot give ids). Packed keys are above ``MAX_ROW_ID``, so
that the two never meet. The key packs:

- the month, counted from December 1949 (11 bits: January 1950 is 1, until July 2120),
- the project id (20 bits: up to 1,048,575; 0 for no project),
- the order id (22 bits: up to 4,193,279; 0 for no order). The top 1,024 values of
  the slot stand for a company instead: a project shared by companies (no company of its
  own) has one row without order per company whose activity it holds, so that each
  company sees only its own hours.

The SQL view computes the same packing (:data:`SQL_TEMPLATE`). This module imports nothing
from Odoo.
"""

from datetime import date

BASE_YEAR = 1950
MONTH_BITS = 11
PROJECT_BITS = 20
ORDER_BITS = 22
COMPANY_SLOTS = 1024
MAX_PROJECT_ID = (1 << PROJECT_BITS) - 1
MAX_ORDER_ID = (1 << ORDER_BITS) - 1 - COMPANY_SLOTS
MAX_COMPANY_ID = COMPANY_SLOTS
#: The largest id a row is given (XML-RPC's 32-bit integers); every packed key is above.
MAX_ROW_ID = (1 << 31) - 1

#: The packing in SQL over the columns ``period``, ``project_id``, ``order_id`` and
#: ``shared_company_id`` of ``{alias}`` (see :func:`sql_expression`).
SQL_TEMPLATE = (
    "(((EXTRACT(YEAR FROM {alias}.period)::bigint - {base}) * 12"
    " + EXTRACT(MONTH FROM {alias}.period)::bigint) << {month_shift})"
    " | (COALESCE({alias}.project_id, 0)::bigint << {project_shift})"
    " | COALESCE({alias}.order_id, {max_order} + {alias}.shared_company_id, 0)::bigint"
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
        max_order=MAX_ORDER_ID,
    )


def row_id(period, project_id=None, order_id=None, shared_company_id=None):
    """The id of the row of ``period`` (any day of the month), project and order; for the
    row without order of a shared project, of ``shared_company_id``."""
    project_id, order_id = project_id or 0, order_id or 0
    if not 0 <= project_id <= MAX_PROJECT_ID or not 0 <= order_id <= MAX_ORDER_ID:
        raise ValueError("Project or order id out of the dashboard's range")
    if shared_company_id:
        if order_id or not 0 < shared_company_id <= MAX_COMPANY_ID:
            raise ValueError("Only a row without order has a company of its own")
        order_id = MAX_ORDER_ID + shared_company_id
    month = (period.year - BASE_YEAR) * 12 + period.month
    if not 0 < month < 1 << MONTH_BITS:
        raise ValueError(f"Month {period:%Y-%m} out of the dashboard's range")
    return (month << (PROJECT_BITS + ORDER_BITS)) | (project_id << ORDER_BITS) | order_id


def split_row_id(value):
    """``(period, project_id or None, order_id or None)`` of a row id."""
    period, project_id, order_id, _company_id = split_row_key(value)
    return period, project_id, order_id


def split_row_key(value):
    """``(period, project_id or None, order_id or None, shared_company_id or None)``."""
    if not is_packed(value):
        raise ValueError(f"{value} is a row id, not a packed key")
    month = (value >> (PROJECT_BITS + ORDER_BITS)) - 1
    project_id = (value >> ORDER_BITS) & ((1 << PROJECT_BITS) - 1)
    slot = value & ((1 << ORDER_BITS) - 1)
    order_id, company_id = (None, slot - MAX_ORDER_ID) if slot > MAX_ORDER_ID else (slot, None)
    year, month_index = divmod(month, 12)
    return (
        date(BASE_YEAR + year, month_index + 1, 1),
        project_id or None,
        order_id or None,
        company_id,
    )


def is_packed(value):
    """Whether ``value`` is a packed key rather than a row's given id."""
    return value > MAX_ROW_ID


def representable_months():
    """(first, last) month a key can hold."""
    last = (1 << MONTH_BITS) - 2
    return date(BASE_YEAR, 1, 1), date(BASE_YEAR + last // 12, last % 12 + 1, 1)
