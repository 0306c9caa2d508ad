from datetime import date

from odoo.addons.postproduction.calc import periods


def test_month_bounds_and_leap_february():
    assert periods.month_bounds(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert periods.month_end(date(2023, 2, 1)) == date(2023, 2, 28)


def test_add_months_clamps_to_shorter_month_and_crosses_years():
    assert periods.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert periods.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert periods.add_months(date(2026, 1, 15), -2) == date(2025, 11, 15)


def test_month_periods_are_partial_at_both_ends():
    assert periods.month_periods(date(2026, 1, 15), date(2026, 3, 10)) == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 10)),
    ]


def test_month_periods_of_an_empty_range():
    assert periods.month_periods(date(2026, 3, 1), date(2026, 2, 1)) == []


def test_year_periods_calendar_years():
    assert periods.year_periods(date(2017, 9, 15), date(2019, 2, 1)) == [
        (2017, date(2017, 9, 15), date(2017, 12, 31)),
        (2018, date(2018, 1, 1), date(2018, 12, 31)),
        (2019, date(2019, 1, 1), date(2019, 2, 1)),
    ]


def test_year_periods_fiscal_year_ending_in_june():
    assert periods.year_periods(date(2025, 5, 1), date(2026, 8, 31), 30, 6) == [
        (2025, date(2025, 5, 1), date(2025, 6, 30)),
        (2026, date(2025, 7, 1), date(2026, 6, 30)),
        (2027, date(2026, 7, 1), date(2026, 8, 31)),
    ]


def test_days_and_working_days():
    assert periods.days_between(date(2026, 1, 1), date(2026, 1, 31)) == 31
    assert periods.days_between(date(2026, 1, 2), date(2026, 1, 1)) == 0
    weekdays = periods.working_days_between(
        date(2026, 6, 1), date(2026, 6, 30), lambda day: day.weekday() < 5
    )
    assert weekdays == 22
