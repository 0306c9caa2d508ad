"""Every status of a dashboard row and every reason a run gives, each in one table.

A status is its code, its label, its icon and badge colour (in the list, the row's form
and the legend), the legend's explanation of what it means and how to fix it, and the
reason a run gives when it holds a row back (none: the row is generated). The decision
table that gives a row its status is in :mod:`.diagnosis`; the dashboard's field, its
SQL view's icon and colour columns, the legend and the runs all read these tables.

This module imports nothing from Odoo. Its texts are marked with :func:`_lt`, the name
Odoo's translation export extracts, and translated where they are shown (``env._``).
"""

from dataclasses import dataclass


def _lt(text):
    """``text``, marked for Odoo's translation export (the models translate it)."""
    return text


@dataclass(frozen=True)
class Reason:
    """Why a run did not generate a row: its code, label and sentence to the accountant."""

    code: str
    label: str
    text: str = ""


@dataclass(frozen=True)
class Status:
    """A dashboard row's status (see the module's docstring).

    ``holds_order``: a row of this status holds back every row of its order (the order's
    other projects too), since an order is invoiced as a whole, never in pieces.
    """

    code: str
    label: str
    icon: str
    decoration: str
    explanation: str
    reason: str | None = None
    holds_order: bool = False


REASONS = (
    Reason(
        "already_invoiced",
        _lt("Already invoiced"),
        _lt("Already invoiced: invoices already bill what this month produced."),
    ),
    Reason(
        "no_order",
        _lt("No order"),
        _lt(
            "No order: some activity of the month belongs to a delivery correlated with no "
            "order. Correlate the customer's order with the delivery."
        ),
    ),
    Reason(
        "multiple_orders",
        _lt("Several orders on one delivery"),
        _lt(
            "Several orders on one delivery: keep one order on the delivery so that one "
            "order invoices its activity."
        ),
    ),
    Reason(
        "partial_correlation",
        _lt("Partly correlated project"),
        _lt(
            "Partly correlated project: some deliveries of the project have no order (or "
            "several); correlate each with one order so the project is not invoiced in pieces."
        ),
    ),
    Reason(
        "no_schedule",
        _lt("No schedule this month"),
        _lt(
            "No schedule this month: the order is invoiced from its schedule and no "
            "instalment is due this month."
        ),
    ),
    Reason(
        "timesheets_pending",
        _lt("Timesheets awaiting validation"),
        _lt(
            "Timesheets awaiting validation: validate the month's timesheets (or have the "
            "refused ones corrected) before invoicing."
        ),
    ),
    Reason(
        "nothing_to_invoice",
        _lt("Nothing to invoice"),
        _lt("Nothing to invoice: the month produced nothing valued that is not invoiced yet."),
    ),
    Reason(
        "awaiting_signoff",
        _lt("Awaiting sign-off"),
        _lt(
            "Awaiting sign-off: the order requires the customer's signature of the month's "
            "activity statement. Send it for sign-off from the dashboard."
        ),
    ),
    Reason(
        "signoff_contested",
        _lt("Activity statement contested"),
        _lt(
            "Activity statement contested: the customer contested the month's statement. "
            "Settle it with the customer, then a manager resets the statement and sends it "
            "again."
        ),
    ),
    Reason(
        "locked",
        _lt("Locked by another run"),
        _lt(
            "Locked by another run: another user or the scheduled action is invoicing this "
            "order right now. Run the generation again when it is done."
        ),
    ),
    Reason(
        "blocked_order",
        _lt("Held back with the order's other project"),
        _lt("Held back with project %(project)s of the same order: %(reason)s"),
    ),
    Reason(
        "einvoice",
        _lt("E-invoice would be rejected"),
        _lt(
            "An e-invoicing platform would reject this invoice: %(problems)s Complete the "
            "customer or the order, then run the generation again."
        ),
    ),
    # a failed line carries its error instead of a sentence
    Reason("error", _lt("Error")),
    Reason(
        "not_in_advance",
        _lt("Not invoiced in advance"),
        _lt(
            "Not invoiced in advance: tick Invoice in advance on the order to invoice its "
            "forecast before the month ends."
        ),
    ),
    Reason(
        "already_advanced",
        _lt("Already advanced"),
        _lt(
            "Already advanced: a down payment already invoices this month's forecast; cancel "
            "it first to advance the month again."
        ),
    ),
    Reason(
        "nothing_forecast",
        _lt("Nothing forecast"),
        _lt(
            "Nothing forecast: the order has no confirmed delivery with a daily rate on "
            "working days of the month, and no instalment to invoice in the month."
        ),
    ),
)

STATUSES = (
    Status(
        "to_invoice",
        _lt("To invoice"),
        "fa-arrow-circle-right text-primary",
        "info",
        _lt(
            "Production is valued and ready: invoice the month. The delta in red is what "
            "remains to invoice (negative: invoiced in excess, issue a credit note)."
        ),
    ),
    Status(
        "invoiced",
        _lt("Invoiced"),
        "fa-check-circle text-success",
        "success",
        _lt(
            "Invoices (draft or posted, net of credit notes) bill what the month produced, "
            "to the cent. Nothing to do."
        ),
        reason="already_invoiced",
    ),
    Status(
        "nothing_to_invoice",
        _lt("Nothing to invoice"),
        "fa-circle-o text-muted",
        "muted",
        _lt(
            "The month produced nothing to value: no valued timesheet, expense, purchase or "
            "instalment. Nothing to do; check the timesheets if days were expected."
        ),
        reason="nothing_to_invoice",
    ),
    Status(
        "no_order",
        _lt("No order"),
        "fa-chain-broken text-danger",
        "danger",
        _lt(
            "Some activity of the month belongs to a delivery correlated with no order (or "
            "to no delivery and no order line). Fix: add the customer's order to the "
            "delivery's correlated orders; the activity then moves to that order's row."
        ),
        reason="no_order",
    ),
    Status(
        "multiple_orders",
        _lt("Several orders"),
        "fa-code-fork text-danger",
        "danger",
        _lt(
            "A delivery is correlated with several orders, so no single order can invoice "
            "its activity. Fix: keep one order on the delivery; renew the delivery when the "
            "order changes during its period."
        ),
        reason="multiple_orders",
    ),
    Status(
        "partial_correlation",
        _lt("Partly correlated"),
        "fa-puzzle-piece text-danger",
        "danger",
        _lt(
            "This month the project has deliveries with one order and deliveries without one "
            "(or with several); none of its rows is invoiced in pieces. Fix: correlate every "
            "delivery of the project with exactly one order."
        ),
        reason="partial_correlation",
        holds_order=True,
    ),
    Status(
        "no_schedule",
        _lt("No instalment"),
        "fa-calendar-times-o text-warning",
        "warning",
        _lt(
            "A schedule order is invoiced from its instalments and none is dated this month. "
            "Fix: add an instalment to the order's schedule (Split an amount into "
            "instalments), or leave the row if nothing is due this month."
        ),
        reason="no_schedule",
    ),
    Status(
        "timesheets_pending",
        _lt("Timesheets to validate"),
        "fa-hourglass-half text-warning",
        "warning",
        _lt(
            "Timesheets of the month are draft, submitted or refused while the company "
            "invoices validated timesheets only: they are counted, not valued. Fix: have "
            "them validated (Timesheets button), or corrected and submitted again when "
            "refused."
        ),
        reason="timesheets_pending",
        holds_order=True,
    ),
    Status(
        "awaiting_signoff",
        _lt("Awaiting sign-off"),
        "fa-pencil-square-o text-warning",
        "warning",
        _lt(
            "The order requires the customer's signature of the month's activity statement "
            "before its invoice, and the statement is not signed yet. Fix: Send for sign-off "
            "(the customer signs online from the e-mail's link); the row turns to invoice "
            "once signed."
        ),
        reason="awaiting_signoff",
    ),
    Status(
        "signoff_contested",
        _lt("Statement contested"),
        "fa-thumbs-o-down text-danger",
        "danger",
        _lt(
            "The customer contested the month's activity statement (the comment is in the "
            "statement's chatter, and the salesperson has an activity). Fix: settle it, "
            "correct the timesheets, then a manager resets the statement and sends it again."
        ),
        reason="signoff_contested",
    ),
)

STATUS = {status.code: status for status in STATUSES}
REASON = {reason.code: reason for reason in REASONS}
