"""Break a budget line's total down over the fiscal years of a project.

Every function takes plain values: the project's dates, the company's fiscal year end
(``last_day``, ``last_month``), the reference date ``today``, the completed amounts by
fiscal year and, for working days, a ``is_working_day(date)`` callable. Amounts are
rounded to ``rounding``; unless the method is ``manual``, the years sum exactly to the
total, the remainder of the rounding going on the last year.
"""

from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.postproduction.calc.periods import (
    days_between,
    fiscal_year_of,
    working_days_between,
    year_periods,
)
from odoo.addons.postproduction.calc.split import SplitError, split_by_weights

MANUAL = "manual"
WORKING_DAYS = "linear_working_days"
CALENDAR_DAYS = "linear_calendar_days"
LAST_PERIOD = "last_period"
DUE_PERIODS = "linear_due_periods"
CURRENT_PERIOD = "linear_current_period"
METHODS = (MANUAL, WORKING_DAYS, CALENDAR_DAYS, LAST_PERIOD, DUE_PERIODS, CURRENT_PERIOD)
# the methods whose result depends on the completed amounts and on ``today``
COMPLETED_METHODS = (DUE_PERIODS, CURRENT_PERIOD)


class BreakdownError(SplitError):
    """The total cannot be broken down as asked."""


def _decimal(value, rounding):
    quantum = Decimal(str(rounding))
    return Decimal(str(value or 0)).quantize(quantum, rounding=ROUND_HALF_UP)


def project_years(start, end, last_day=31, last_month=12):
    """The fiscal years of ``[start, end]``: a list of (year, first day, last day).

    The first and last years are cut to the project's dates.
    """
    if not start or not end:
        raise BreakdownError("The project needs a start date and an end date.")
    if end < start:
        raise BreakdownError("The project ends before it starts.")
    return year_periods(start, end, last_day, last_month)


def _with_amounts(periods, amounts):
    return [
        (year, first, last, amount)
        for (year, first, last), amount in zip(periods, amounts, strict=True)
    ]


def _by_weights(total, periods, weights, rounding):
    return _with_amounts(periods, split_by_weights(total, weights, rounding))


def _calendar_weights(periods):
    return [days_between(first, last) for _year, first, last in periods]


def _working_weights(periods, is_working_day):
    if is_working_day is None:
        raise BreakdownError("The working days method needs a working calendar.")
    return [working_days_between(first, last, is_working_day) for _year, first, last in periods]


def _manual(periods, manual, rounding):
    manual = manual or {}
    return [
        (year, first, last, float(_decimal(manual.get(year, 0), rounding)))
        for year, first, last in periods
    ]


def _completed_then_spread(total, periods, current_year, completed, *, rounding, keep_current):
    """Past years (and the current one when ``keep_current``) take their completed amount.

    The rest of the total is spread over the other years by calendar days, each year
    counted whole within the project; when no year is left (the project is over), the
    rest goes on the last year so that the years still sum to the total.
    """
    completed = completed or {}
    fixed = {}
    for year, _first, _last in periods:
        if year < current_year or (keep_current and year == current_year):
            fixed[year] = _decimal(completed.get(year, 0), rounding)
    rest = _decimal(total, rounding) - sum(fixed.values(), Decimal(0))
    open_periods = [period for period in periods if period[0] not in fixed]
    if not open_periods:
        fixed[periods[-1][0]] += rest
        return [(year, first, last, float(fixed[year])) for year, first, last in periods]
    spread = dict(
        zip(
            [year for year, _first, _last in open_periods],
            split_by_weights(rest, _calendar_weights(open_periods), rounding),
            strict=True,
        )
    )
    return [
        (year, first, last, float(fixed[year]) if year in fixed else spread[year])
        for year, first, last in periods
    ]


def breakdown(
    total,
    start,
    end,
    method,
    *,
    today=None,
    completed=None,
    manual=None,
    is_working_day=None,
    last_day=31,
    last_month=12,
    rounding=0.01,
):
    """``total`` broken down over the fiscal years of a project running ``[start, end]``.

    Returns a list of ``(year, first day, last day, amount)``, one per fiscal year the
    project touches (years are named by the calendar year they end in).

    - ``manual``: the amounts of ``manual`` (a ``{year: amount}`` dict), 0 for the others;
    - ``linear_working_days``: prorata of each year's working days (``is_working_day``);
    - ``linear_calendar_days``: prorata of each year's calendar days;
    - ``last_period``: everything on the last year;
    - ``linear_due_periods``: years before the fiscal year of ``today`` take their
      ``completed`` amount (a ``{year: amount}`` dict); the rest is spread over the
      current and future years by calendar days, the current year counted whole;
    - ``linear_current_period``: past years take their completed amount, the current
      year its completed amount to date (the caller passes only what is completed up to
      ``today``); the rest is spread over the future years by calendar days.
    """
    periods = project_years(start, end, last_day, last_month)
    if method == MANUAL:
        return _manual(periods, manual, rounding)
    if method == CALENDAR_DAYS:
        return _by_weights(total, periods, _calendar_weights(periods), rounding)
    if method == WORKING_DAYS:
        return _by_weights(total, periods, _working_weights(periods, is_working_day), rounding)
    if method == LAST_PERIOD:
        return _by_weights(total, periods, [0] * (len(periods) - 1) + [1], rounding)
    if method in COMPLETED_METHODS:
        if today is None:
            raise BreakdownError("This method needs a reference date.")
        current_year = fiscal_year_of(today, last_day, last_month)
        return _completed_then_spread(
            total,
            periods,
            current_year,
            completed,
            rounding=rounding,
            keep_current=method == CURRENT_PERIOD,
        )
    raise BreakdownError(f"Unknown breakdown method {method!r}.")


def deviation(total, amounts, rounding=0.01):
    """``total`` minus the sum of ``amounts``, rounded: what the years do not cover."""
    return float(
        _decimal(total, rounding) - sum((_decimal(a, rounding) for a in amounts), Decimal(0))
    )
