"""The diagnosis of a dashboard row: why a project's month on an order can be invoiced or not.

A row of the dashboard (one project, one order or none, one month) is described by a few
*facts* aggregated from its activity. The decision table below gives its *status*: the
first rule, in order, whose conditions all hold. The same ordered table is evaluated here
in Python (:func:`diagnose`) and rendered as the ``CASE`` of the dashboard's SQL view
(:func:`sql_case`), so the two cannot drift apart.

Precedence, and why:

1. ``no_order``: some activity of the row belongs to a delivery without an order (or to
   no delivery and no order line): nothing can be invoiced until an order is correlated.
2. ``multiple_orders``: some activity belongs to a delivery correlated with several
   orders: which order invoices it is ambiguous. Missing orders come first because they
   are the more basic fix.
3. ``partial_correlation``: the project has, that month, deliveries with one order and
   deliveries without one (or with several); all its rows wait until every delivery is
   correlated, so that the project is not invoiced in pieces.
4. ``no_schedule``: a schedule order with no instalment dated in the month: the schedule
   is what gets invoiced, so it must be filled first.
5. ``timesheets_pending``: timesheets of the month are not validated while the company
   invoices validated timesheets only (schedule orders do not depend on timesheets).
   This comes before ``invoiced``: pending days are still to be validated and billed.
6. ``invoiced``: invoices (draft or posted) exist, production equals invoicing (plus
   what credit notes wrote off) to within half a cent and no down payment of the month
   waits to be deducted.
7. ``nothing_to_invoice``: the month produced nothing to value and no down payment of
   the month waits to be deducted (else the final invoice is a credit note of it).
8. ``signoff_contested``: the order requires the customer's sign-off of the month's
   activity statement and the customer contested it.
9. ``awaiting_signoff``: the order requires that sign-off and the statement is not signed
   (not made, draft or sent). Both come after ``invoiced`` and ``nothing_to_invoice``:
   a month billed or empty needs no signature.
10. ``to_invoice``: anything else: the row is ready to be invoiced.

This module imports nothing from Odoo.
"""

import re
from dataclasses import dataclass

from .statuses import STATUS

#: Amounts closer than this are equal (half a cent).
HALF_CENT = 0.005

#: The facts a rule may test, with their value when a row has none (SQL ``COALESCE``).
FACTS = {
    "no_order_count": 0,
    "multiple_orders_count": 0,
    "partial_correlation": False,
    "mode": "",
    "schedule_count": 0,
    "validated_only": False,
    "pending_count": 0,
    "invoice_line_count": 0,
    "abs_delta": 0.0,
    "abs_production": 0.0,
    "abs_open_advance": 0.0,
    "signoff_required": False,
    "signoff_state": "",
}

_OPERATORS = {
    "=": lambda left, right: left == right,
    "!=": lambda left, right: left != right,
    ">": lambda left, right: left > right,
    "<": lambda left, right: left < right,
}

_IDENTIFIER = re.compile(r"^[a-z_]+$")


@dataclass(frozen=True)
class Condition:
    """``fact operator value``, e.g. ``Condition("pending_count", ">", 0)``."""

    fact: str
    operator: str
    value: object

    def __post_init__(self):
        if self.fact not in FACTS or not _IDENTIFIER.match(self.fact):
            raise ValueError(f"Unknown fact {self.fact!r}")
        if self.operator not in _OPERATORS:
            raise ValueError(f"Unknown operator {self.operator!r}")

    def holds(self, facts):
        return _OPERATORS[self.operator](facts.get(self.fact, FACTS[self.fact]), self.value)

    def sql(self, alias):
        """``("alias"."fact" > %s, [value])``: a template and its parameters."""
        return f'"{alias}"."{self.fact}" {self.operator} %s', [self.value]


@dataclass(frozen=True)
class Rule:
    """A status (of :mod:`.statuses`) and the conditions, all required, that give it."""

    status: str
    conditions: tuple = ()

    def __post_init__(self):
        if self.status not in STATUS:
            raise ValueError(f"Unknown status {self.status!r}")

    def holds(self, facts):
        return all(condition.holds(facts) for condition in self.conditions)


#: The decision table, in order of precedence (see the module's docstring).
RULES = (
    Rule("no_order", (Condition("no_order_count", ">", 0),)),
    Rule(
        "multiple_orders",
        (Condition("multiple_orders_count", ">", 0),),
    ),
    Rule(
        "partial_correlation",
        (Condition("partial_correlation", "=", True),),
    ),
    Rule(
        "no_schedule",
        (Condition("mode", "=", "schedule"), Condition("schedule_count", "=", 0)),
    ),
    Rule(
        "timesheets_pending",
        (
            Condition("validated_only", "=", True),
            Condition("pending_count", ">", 0),
            Condition("mode", "!=", "schedule"),
        ),
    ),
    Rule(
        "invoiced",
        (
            Condition("invoice_line_count", ">", 0),
            Condition("abs_delta", "<", HALF_CENT),
            Condition("abs_open_advance", "<", HALF_CENT),
        ),
    ),
    Rule(
        "nothing_to_invoice",
        (
            Condition("abs_production", "<", HALF_CENT),
            Condition("abs_open_advance", "<", HALF_CENT),
        ),
    ),
    Rule(
        "signoff_contested",
        (Condition("signoff_required", "=", True), Condition("signoff_state", "=", "contested")),
    ),
    Rule(
        "awaiting_signoff",
        (Condition("signoff_required", "=", True), Condition("signoff_state", "!=", "signed")),
    ),
    Rule("to_invoice"),
)

#: The statuses, in order of precedence.
STATUSES = tuple(rule.status for rule in RULES)
#: The icon of each status (from the status table).
STATUS_ICONS = {status: STATUS[status].icon for status in STATUSES}


def make_facts(production=0.0, invoiced=0.0, written_off=0.0, **facts):
    """The facts of a row, with the derived ``abs_delta`` and ``abs_production``.

    The delta is what remains to invoice: ``production - invoiced - written_off``
    (``invoiced`` is net of every credit note, ``written_off`` the part of them that wrote
    quantities off).

    Unknown names raise ``ValueError``; missing facts take their default.
    """
    unknown = set(facts) - set(FACTS)
    if unknown:
        raise ValueError(f"Unknown facts: {', '.join(sorted(unknown))}")
    values = dict(FACTS)
    values.update(facts)
    values["mode"] = values["mode"] or ""
    values["abs_delta"] = abs(production - invoiced - written_off)
    values["abs_production"] = abs(production)
    return values


def diagnose(facts):
    """The status of a row with these facts: the first rule that holds."""
    for rule in RULES:
        if rule.holds(facts):
            return rule.status
    raise AssertionError("The last rule always holds")  # pragma: no cover


def sql_status_case(status_sql, attribute):
    """``CASE`` giving the ``attribute`` (``icon``, ``decoration``) of the status
    ``status_sql`` (an SQL expression), from the status table.

    Returns ``(template, params)`` as :func:`sql_case` does.
    """
    whens = " ".join("WHEN %s THEN %s" for _rule in RULES)
    params = [value for s in STATUSES for value in (s, getattr(STATUS[s], attribute))]
    return f"CASE ({status_sql}) {whens} END", params


def sql_case(alias):
    """The decision table as a SQL ``CASE`` over the fact columns of ``alias``.

    Returns ``(template, params)``: the template has ``%s`` placeholders for the values
    (statuses and thresholds), to be passed as query parameters.
    """
    if not _IDENTIFIER.match(alias):
        raise ValueError(f"Invalid alias {alias!r}")
    parts, params = ["CASE"], []
    for rule in RULES[:-1]:
        tests = []
        for condition in rule.conditions:
            template, values = condition.sql(alias)
            tests.append(template)
            params.extend(values)
        parts.append(f"WHEN {' AND '.join(tests)} THEN %s")
        params.append(rule.status)
    parts.append("ELSE %s END")
    params.append(RULES[-1].status)
    return " ".join(parts), params
