"""Decisions of the invoice generation that need no database.

Which dashboard statuses hold a row back (and with which reason), when the scheduled
action invoices last month's production, the quantity of an order line that an
instalment invoices, and the plan of an order's invoice. This module imports nothing
from Odoo.
"""

from dataclasses import dataclass, field

from . import statuses
from .periods import add_months, month_start


@dataclass(frozen=True)
class InvoicePlan:
    """What one order's invoice will bill, before it exists.

    ``values``: per order line id, what its invoice line gets over Odoo's own values
    (``quantity``, and for instalments ``price_unit``, ``discount``, ``name``), handed to
    ``sale.order.line._prepare_invoice_line``. ``amounts``: per order line id, the untaxed
    amount billed, for the run's result and the billing keys. ``instalments``: the
    instalments (``postproduction.schedule`` records) the invoice bills, or ``None``.
    An order with nothing in ``values`` has nothing to invoice.
    """

    values: dict = field(default_factory=dict)
    amounts: dict = field(default_factory=dict)
    instalments: object = None

    def __bool__(self):
        return bool(self.values)


#: The reason code of a dashboard status that holds its row back; other statuses
#: (``to_invoice``) let it through.
BLOCKING_STATUSES = {s.code: s.reason for s in statuses.STATUSES if s.reason}

#: Statuses that hold back every row of the same order (its other projects too).
ORDER_BLOCKING_STATUSES = frozenset(s.code for s in statuses.STATUSES if s.holds_order)

#: Every reason a line may be reported with (``failed`` lines carry their error).
REASONS = tuple(reason.code for reason in statuses.REASONS)

#: The modes of a run: the invoice of a month's production, or its forecast in advance.
MODES = ("final", "advance")


def advance_opening(period, preliminary_day):
    """The first date ``period``'s forecast may be invoiced in advance (``None``: off)."""
    if not preliminary_day:
        return None
    return month_start(period).replace(day=preliminary_day)


def reason_of_status(status):
    """The reason code holding back a row of this status, or ``None`` when it may go."""
    return BLOCKING_STATUSES.get(status)


def monthly_invoicing_due(date_ref, invoicing_day):
    """Whether, on ``date_ref``, last month's production is due (``None`` when off).

    Returns the month to invoice (its first day) from the company's invoicing day on, so
    that a scheduled action that did not run on the day itself catches up the next days.
    """
    if not invoicing_day or date_ref.day < invoicing_day:
        return None
    return add_months(month_start(date_ref), -1)


def instalment_quantity(ordered, ratio, rounding):
    """The quantity of an order line an instalment invoices: ``ordered x ratio``, rounded
    to the unit's ``rounding`` and never zero when the ratio is not."""
    if not ratio or not ordered:
        return 0.0
    steps = round(ordered * ratio / rounding)
    return max(steps, 1) * rounding if ordered > 0 else min(steps, -1) * rounding
