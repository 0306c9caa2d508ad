"""Breakdown of a budget line over a project's fiscal years, on hand-computed cases."""

from datetime import date

import pytest

from odoo.addons.postproduction_financial_document.calc import breakdown

# The reference project: 2017-09-15 to 2021-08-14, calendar years.
# Calendar days per year: 2017: 108, 2018: 365, 2019: 365, 2020 (leap): 366, 2021: 226.
START, END = date(2017, 9, 15), date(2021, 8, 14)
YEARS = [2017, 2018, 2019, 2020, 2021]

# Public holidays of the working-days calendar (Thursday 25 Dec, Thursday 1 Jan).
HOLIDAYS = {date(2025, 12, 25), date(2026, 1, 1)}


def working(day):
    return day.weekday() < 5 and day not in HOLIDAYS


def amounts(rows):
    return [row[3] for row in rows]


def cents(rows):
    return sum(round(amount * 100) for amount in amounts(rows))


def test_years_are_cut_to_the_project_dates():
    rows = breakdown.breakdown(100, START, END, breakdown.CALENDAR_DAYS)
    assert [row[:3] for row in rows] == [
        (2017, date(2017, 9, 15), date(2017, 12, 31)),
        (2018, date(2018, 1, 1), date(2018, 12, 31)),
        (2019, date(2019, 1, 1), date(2019, 12, 31)),
        (2020, date(2020, 1, 1), date(2020, 12, 31)),
        (2021, date(2021, 1, 1), date(2021, 8, 14)),
    ]


def test_calendar_days_reference_example_with_a_leap_year():
    # 100 x 108/1430, 365/1430, 365/1430, 366/1430; the remainder on 2021
    rows = breakdown.breakdown(100, START, END, breakdown.CALENDAR_DAYS)
    assert amounts(rows) == [7.55, 25.52, 25.52, 25.59, 15.82]


def test_calendar_days_over_fiscal_years_ending_in_june():
    # 2025: May 1 - Jun 30 = 61 days; 2026: Jul 2025 - Jun 2026 = 365; 2027: Jul-Aug = 62
    rows = breakdown.breakdown(
        1000,
        date(2025, 5, 1),
        date(2026, 8, 31),
        breakdown.CALENDAR_DAYS,
        last_day=30,
        last_month=6,
    )
    assert [row[0] for row in rows] == [2025, 2026, 2027]
    assert amounts(rows) == [125.0, 747.95, 127.05]


def test_working_days_exclude_weekends_and_public_holidays():
    # 2025: Nov 20 + Dec 23 - Christmas = 42 working days
    # 2026: Jan 22 - New Year = 21, Feb 20 -> 41; 1000 x 42/83 = 506.02
    rows = breakdown.breakdown(
        1000,
        date(2025, 11, 1),
        date(2026, 2, 28),
        breakdown.WORKING_DAYS,
        is_working_day=working,
    )
    assert amounts(rows) == [506.02, 493.98]


def test_working_days_need_a_calendar():
    with pytest.raises(breakdown.BreakdownError):
        breakdown.breakdown(100, START, END, breakdown.WORKING_DAYS)


def test_working_days_of_a_project_without_working_day_are_refused():
    # Saturday 27 and Sunday 28 December 2025
    with pytest.raises(breakdown.SplitError):
        breakdown.breakdown(
            100,
            date(2025, 12, 27),
            date(2025, 12, 28),
            breakdown.WORKING_DAYS,
            is_working_day=working,
        )


def test_last_period_puts_everything_on_the_last_year():
    rows = breakdown.breakdown(999.99, START, END, breakdown.LAST_PERIOD)
    assert amounts(rows) == [0, 0, 0, 0, 999.99]


def test_manual_keeps_typed_amounts_and_shows_the_deviation():
    rows = breakdown.breakdown(100, START, END, breakdown.MANUAL, manual={2018: 50, 2020: 30.005})
    assert amounts(rows) == [0, 50, 0, 30.01, 0]
    assert breakdown.deviation(100, amounts(rows)) == 19.99


def test_due_periods_past_years_take_completed_and_the_rest_is_spread():
    # today in 2019: 2017 and 2018 take their completed amounts (the 12 completed in
    # 2019 is ignored); the rest 65 spreads over 2019 counted whole (365), 2020 (366)
    # and 2021 (226): 65 x 365/957 = 24.79, 65 x 366/957 = 24.86, remainder 15.35
    rows = breakdown.breakdown(
        100,
        START,
        END,
        breakdown.DUE_PERIODS,
        today=date(2019, 6, 30),
        completed={2017: 5, 2018: 30, 2019: 12},
    )
    assert amounts(rows) == [5, 30, 24.79, 24.86, 15.35]


def test_current_period_keeps_the_completed_to_date_of_the_current_year():
    # 2019 takes its 12 completed to date; the rest 53 over 2020 (366) and 2021 (226)
    rows = breakdown.breakdown(
        100,
        START,
        END,
        breakdown.CURRENT_PERIOD,
        today=date(2019, 6, 30),
        completed={2017: 5, 2018: 30, 2019: 12},
    )
    assert amounts(rows) == [5, 30, 12, 32.77, 20.23]


def test_today_before_the_start_spreads_everything_by_calendar_days():
    reference = amounts(breakdown.breakdown(100, START, END, breakdown.CALENDAR_DAYS))
    for method in breakdown.COMPLETED_METHODS:
        rows = breakdown.breakdown(100, START, END, method, today=date(2016, 5, 1))
        assert amounts(rows) == reference, method


def test_today_in_the_first_year_before_the_start():
    # due periods: the current year 2017 counts whole, as calendar days do
    due = breakdown.breakdown(100, START, END, breakdown.DUE_PERIODS, today=date(2017, 3, 1))
    assert amounts(due) == [7.55, 25.52, 25.52, 25.59, 15.82]
    # current period: 2017 takes its completed to date (nothing), the rest goes on
    # 2018-2021: 365, 365, 366 and 226 days of 1322
    current = breakdown.breakdown(100, START, END, breakdown.CURRENT_PERIOD, today=date(2017, 3, 1))
    assert amounts(current) == [0, 27.61, 27.61, 27.69, 17.09]


def test_today_after_the_end_puts_the_rest_on_the_last_year():
    completed = {2017: 5, 2018: 30, 2019: 25, 2020: 20, 2021: 10}
    for method in breakdown.COMPLETED_METHODS:
        rows = breakdown.breakdown(
            100, START, END, method, today=date(2022, 3, 1), completed=completed
        )
        assert amounts(rows) == [5, 30, 25, 20, 20], method


def test_a_project_of_one_year_takes_the_whole_total():
    start, end = date(2026, 3, 1), date(2026, 10, 31)
    for method in breakdown.METHODS[1:]:
        rows = breakdown.breakdown(
            1000,
            start,
            end,
            method,
            today=date(2026, 6, 1),
            completed={2026: 300},
            is_working_day=working,
        )
        assert [(row[0], row[3]) for row in rows] == [(2026, 1000)], method


def test_completed_above_the_total_leaves_a_negative_rest():
    rows = breakdown.breakdown(
        100,
        START,
        END,
        breakdown.DUE_PERIODS,
        today=date(2020, 1, 1),
        completed={2017: 60, 2018: 60, 2019: 0},
    )
    assert amounts(rows)[:3] == [60, 60, 0]
    assert cents(rows) == 10000


def test_years_sum_exactly_to_awkward_totals():
    for method in breakdown.METHODS[1:]:
        rows = breakdown.breakdown(
            1234.57,
            date(2025, 1, 31),
            date(2027, 12, 1),
            method,
            today=date(2026, 2, 1),
            completed={2025: 333.333},
            is_working_day=working,
        )
        assert cents(rows) == 123457, method


def test_a_project_without_dates_is_refused():
    with pytest.raises(breakdown.BreakdownError):
        breakdown.breakdown(100, None, END, breakdown.CALENDAR_DAYS)
    with pytest.raises(breakdown.BreakdownError):
        breakdown.breakdown(100, END, START, breakdown.CALENDAR_DAYS)


def test_completed_methods_need_a_reference_date():
    with pytest.raises(breakdown.BreakdownError):
        breakdown.breakdown(100, START, END, breakdown.DUE_PERIODS)


def test_unknown_method_is_refused():
    with pytest.raises(breakdown.BreakdownError):
        breakdown.breakdown(100, START, END, "weekly")
