from datetime import date

import pytest

from odoo.addons.postproduction.calc import split

# 2026-05-01 (Friday) is a public holiday in this calendar.
HOLIDAYS = {date(2026, 5, 1)}


def working(day):
    return day.weekday() < 5 and day not in HOLIDAYS


START, END = date(2026, 3, 16), date(2026, 6, 15)


def amounts(rows):
    return [row[2] for row in rows]


def test_split_by_weights_puts_the_remainder_on_the_last_part():
    assert split.split_by_weights(100, [1, 1, 1]) == [33.33, 33.33, 33.34]


def test_split_by_weights_rounds_half_up():
    assert split.split_by_weights(0.05, [1, 1]) == [0.03, 0.02]


def test_equal_per_month_with_partial_months():
    rows = split.split_over_months(1000, START, END, split.EQUAL)
    assert [row[:2] for row in rows] == [
        (date(2026, 3, 16), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 5, 31)),
        (date(2026, 6, 1), date(2026, 6, 15)),
    ]
    assert amounts(rows) == [250.0, 250.0, 250.0, 250.0]


def test_prorata_of_calendar_days():
    # 16 + 30 + 31 + 15 = 92 days
    rows = split.split_over_months(1000, START, END, split.CALENDAR_DAYS)
    assert amounts(rows) == [173.91, 326.09, 336.96, 163.04]
    assert round(sum(amounts(rows)), 2) == 1000


def test_prorata_of_working_days_excludes_the_public_holiday():
    # March 16-31: 12, April: 22, May: 21 - 1 holiday = 20, June 1-15: 11 -> 65
    rows = split.split_over_months(1000, START, END, split.WORKING_DAYS, working)
    assert amounts(rows) == [184.62, 338.46, 307.69, 169.23]
    assert round(sum(amounts(rows)), 2) == 1000


def test_all_on_the_last_month():
    assert amounts(split.split_over_months(999.99, START, END, split.LAST)) == [0, 0, 0, 999.99]


def test_sum_is_exact_for_awkward_amounts():
    for method in split.METHODS:
        rows = split.split_over_months(
            1234.57, date(2026, 1, 31), date(2026, 12, 1), method, working
        )
        total = sum(round(amount * 100) for amount in amounts(rows))
        assert total == 123457, method


def test_end_before_start_is_refused():
    with pytest.raises(split.SplitError):
        split.split_over_months(100, END, START, split.EQUAL)


def test_working_days_without_a_calendar_is_refused():
    with pytest.raises(split.SplitError):
        split.split_over_months(100, START, END, split.WORKING_DAYS)


def test_a_range_with_no_working_day_is_refused():
    with pytest.raises(split.SplitError):
        split.split_over_months(
            100, date(2026, 5, 1), date(2026, 5, 3), split.WORKING_DAYS, working
        )


def test_unknown_method_is_refused():
    with pytest.raises(split.SplitError):
        split.split_over_months(100, START, END, "weekly")
