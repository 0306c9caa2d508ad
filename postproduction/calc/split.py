"""Split an amount over periods, to the cent, the parts summing exactly to the amount."""

from decimal import ROUND_HALF_UP, Decimal

from .periods import days_between, month_periods, working_days_between

EQUAL = "equal"
CALENDAR_DAYS = "calendar_days"
WORKING_DAYS = "working_days"
LAST = "last"
METHODS = (EQUAL, CALENDAR_DAYS, WORKING_DAYS, LAST)


class SplitError(ValueError):
    """The amount cannot be split as asked (no period, no weight)."""


def _quantum(rounding):
    return Decimal(str(rounding))


def split_by_weights(amount, weights, rounding=0.01):
    """Parts of ``amount`` proportional to ``weights``, rounded to ``rounding``.

    Each part but the last is rounded half-up; the last takes the remainder, so the
    parts always sum exactly to ``amount``.
    """
    if not weights:
        raise SplitError("There is no period to split the amount over.")
    if any(weight < 0 for weight in weights):
        raise SplitError("Weights cannot be negative.")
    total_weight = sum(Decimal(str(weight)) for weight in weights)
    if not total_weight:
        raise SplitError("The periods have no weight (no day to spread the amount over).")
    quantum = _quantum(rounding)
    total = Decimal(str(amount)).quantize(quantum, rounding=ROUND_HALF_UP)
    parts = []
    for weight in weights[:-1]:
        share = total * Decimal(str(weight)) / total_weight
        parts.append(share.quantize(quantum, rounding=ROUND_HALF_UP))
    parts.append(total - sum(parts, Decimal(0)))
    return [float(part) for part in parts]


def period_weights(periods, method, is_working_day=None):
    """The weight of each (start, end) period for ``method``."""
    if method == EQUAL:
        return [1] * len(periods)
    if method == CALENDAR_DAYS:
        return [days_between(start, end) for start, end in periods]
    if method == WORKING_DAYS:
        if is_working_day is None:
            raise SplitError("The working days method needs a working calendar.")
        return [working_days_between(start, end, is_working_day) for start, end in periods]
    if method == LAST:
        return [0] * (len(periods) - 1) + [1] if periods else []
    raise SplitError(f"Unknown split method {method!r}.")


def split_over_months(amount, start, end, method, is_working_day=None, rounding=0.01):
    """Instalments of ``amount`` over the months of ``[start, end]``.

    Returns a list of ``(period_start, period_end, amount)`` for every month the range
    touches (the first and last possibly partial); ``method`` is one of ``METHODS``.
    """
    if end < start:
        raise SplitError("The end date is before the start date.")
    periods = month_periods(start, end)
    amounts = split_by_weights(amount, period_weights(periods, method, is_working_day), rounding)
    return [(first, last, part) for (first, last), part in zip(periods, amounts, strict=True)]
