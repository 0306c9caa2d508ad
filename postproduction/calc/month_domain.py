"""The one month a search domain selects on a field of first days of months.

The dashboard's rows have a ``period``, always the first day of a month. A domain such as
``[("period", "=", "2026-10-01"), ("status", "=", "to_invoice")]`` can only match rows of
October 2026: the dashboard then reads that month alone (see ``postproduction.turnover``).

Only what is certain counts. A leaf on another field, a negation, ``!=`` or ``not in``
restrict nothing; ``|`` restricts only when each side does; ``&`` keeps what both sides
allow. When the months that remain are not exactly one, there is no answer (``None``) and
the caller reads the rows without that shortcut: a wrong answer would hide rows, no
answer only costs time.
"""

from datetime import date

from .periods import add_months

_AND, _OR, _NOT = "&", "|", "!"
_BOUNDS = {">": (True, False), ">=": (True, True), "<": (False, False), "<=": (False, True)}
#: The bounds of a domain that selects no month (no row has this period).
_NOTHING = date(1, 1, 2)
#: Beyond this many months, a range is not enumerated (no answer).
_MAX_RANGE = 240


class _Months:
    """The months a (part of a) domain allows: a set, bounds, or anything (all ``None``)."""

    def __init__(self, values=None, low=None, high=None):
        self.values = values  # frozenset of first days, or None (no such restriction)
        self.low = low  # (date, inclusive) or None
        self.high = high

    def both(self, other):
        values = self.values
        if other.values is not None:
            values = other.values if values is None else values & other.values
        return _Months(
            values,
            _tighter(self.low, other.low, lower=True),
            _tighter(self.high, other.high, lower=False),
        )

    def either(self, other):
        mine, theirs = self.resolved(), other.resolved()
        if mine is None or theirs is None:
            return _Months()
        return _Months(mine | theirs)

    def resolved(self):
        """The finite set of first days allowed, or ``None`` when it cannot be told."""
        if self.values is not None:
            return frozenset(day for day in self.values if self._within(day))
        if self.low is None or self.high is None:
            return None
        first = self.low[0].replace(day=1)
        months = set()
        for index in range(_MAX_RANGE + 1):
            day = add_months(first, index)
            if day > self.high[0]:
                return frozenset(months)
            if self._within(day):
                months.add(day)
        return None

    def _within(self, day):
        if self.low and (day < self.low[0] or (day == self.low[0] and not self.low[1])):
            return False
        return not (
            self.high and (day > self.high[0] or (day == self.high[0] and not self.high[1]))
        )


def _tighter(first, second, lower):
    if first is None or second is None:
        return first or second
    if first[0] != second[0]:
        return max(first, second) if lower else min(first, second)
    return (first[0], first[1] and second[1])


def _as_date(value):
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _first_days(days):
    """The days that can be a period (first days of months); ``None`` if one is not a day."""
    dates = [_as_date(day) for day in days]
    if any(day is None for day in dates):
        return None
    return frozenset(day for day in dates if day.day == 1)


def _leaf(leaf, field):
    if not isinstance(leaf, list | tuple) or len(leaf) != 3 or leaf[0] != field:
        return _Months()
    _name, operator, value = leaf
    if operator == "=":
        days = _first_days([value])
        return _Months() if days is None else _Months(days)
    if operator == "in":
        days = _first_days(value if isinstance(value, list | tuple) else [value])
        return _Months() if days is None else _Months(days)
    if operator in _BOUNDS:
        day = _as_date(value)
        if day is None:
            return _Months()
        is_low, inclusive = _BOUNDS[operator]
        return _Months(low=(day, inclusive)) if is_low else _Months(high=(day, inclusive))
    return _Months()


def _parse(tokens, position, field):
    """The months of the expression starting at ``tokens[position]``, and where it ends."""
    token = tokens[position]
    if token in (_AND, _OR):
        left, position = _parse(tokens, position + 1, field)
        right, position = _parse(tokens, position, field)
        return (left.both(right) if token == _AND else left.either(right)), position
    if token == _NOT:
        _negated, position = _parse(tokens, position + 1, field)
        return _Months(), position
    return _leaf(token, field), position + 1


def _months_of(domain, field):
    """The ``_Months`` ``domain`` allows on ``field``; ``None`` for a malformed domain."""
    if not isinstance(domain, list | tuple):
        return None
    tokens = list(domain)
    months, position = _Months(), 0
    try:
        while position < len(tokens):
            part, position = _parse(tokens, position, field)
            months = months.both(part)
    except (IndexError, TypeError):
        return None
    return months


def single_month(domain, field="period"):
    """The first day of the one month ``domain`` can select on ``field``, else ``None``."""
    months = _months_of(domain, field)
    resolved = months and months.resolved()
    return next(iter(resolved)) if resolved is not None and len(resolved) == 1 else None


def month_bounds(domain, field="period"):
    """``(first, last)`` days between which ``domain`` can select on ``field`` (``None``
    for no bound on a side), or ``None`` when it bounds neither side.

    The bounds only narrow what is read: the domain itself still selects the rows.
    """
    months = _months_of(domain, field)
    if months is None:
        return None
    resolved = months.resolved()
    if resolved is not None:
        return (min(resolved), max(resolved)) if resolved else (_NOTHING, _NOTHING)
    low = months.low and months.low[0]
    high = months.high and months.high[0]
    if low is None and high is None:
        return None
    return low, high
