"""Month and year arithmetic on ``datetime.date`` values."""

import calendar
from datetime import date, timedelta


def month_start(day):
    """First day of the month of ``day``."""
    return day.replace(day=1)


def month_end(day):
    """Last day of the month of ``day``."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day, months):
    """``day`` moved by ``months`` months, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_bounds(day):
    """(first day, last day) of the month of ``day``."""
    return month_start(day), month_end(day)


def iter_months(start, end):
    """First days of every month that ``[start, end]`` touches, in order."""
    if end < start:
        return
    current = month_start(start)
    while current <= end:
        yield current
        current = add_months(current, 1)


def month_periods(start, end):
    """The parts of ``[start, end]`` in each month: a list of (start, end) pairs.

    The first and last pairs are partial when ``start`` / ``end`` fall inside a month.
    """
    return [(max(first, start), min(month_end(first), end)) for first in iter_months(start, end)]


def fiscal_year_of(day, last_day=31, last_month=12):
    """The fiscal year that holds ``day``, named by the calendar year it ends in."""
    last = calendar.monthrange(day.year, last_month)[1]
    year_end = date(day.year, last_month, min(last_day, last))
    return day.year if day <= year_end else day.year + 1


def fiscal_year_bounds(year, last_day=31, last_month=12):
    """(first day, last day) of fiscal ``year`` (named by the calendar year it ends in)."""
    end = date(year, last_month, min(last_day, calendar.monthrange(year, last_month)[1]))
    prev_last = calendar.monthrange(year - 1, last_month)[1]
    start = date(year - 1, last_month, min(last_day, prev_last)) + timedelta(days=1)
    return start, end


def year_periods(start, end, last_day=31, last_month=12):
    """The parts of ``[start, end]`` in each fiscal year: a list of (year, start, end)."""
    if end < start:
        return []
    result = []
    for year in range(
        fiscal_year_of(start, last_day, last_month), fiscal_year_of(end, last_day, last_month) + 1
    ):
        first, last = fiscal_year_bounds(year, last_day, last_month)
        result.append((year, max(first, start), min(last, end)))
    return result


def days_between(start, end):
    """Calendar days of ``[start, end]``, both included (0 when ``end < start``)."""
    return max((end - start).days + 1, 0)


def working_days_between(start, end, is_working_day):
    """Days of ``[start, end]`` for which ``is_working_day(day)`` is true."""
    return sum(
        1 for offset in range(days_between(start, end)) if is_working_day(start + timedelta(offset))
    )
