from datetime import date, datetime

from odoo.addons.postproduction.calc.month_domain import month_bounds, single_month

OCTOBER = date(2026, 10, 1)


def test_the_dashboard_filters_of_one_month():
    assert single_month([("period", "=", "2026-10-01")]) == OCTOBER
    assert single_month([("period", "=", OCTOBER)]) == OCTOBER
    assert single_month([("period", "in", ["2026-10-01"])]) == OCTOBER
    assert single_month([("period", "in", "2026-10-01")]) == OCTOBER
    # with other leaves, implicit or explicit '&'
    assert single_month([("status", "=", "to_invoice"), ("period", "=", "2026-10-01")]) == OCTOBER
    assert (
        single_month(["&", ("period", "=", "2026-10-01"), ("project_id", "in", [3, 4])]) == OCTOBER
    )


def test_a_range_of_one_month():
    assert single_month([("period", ">=", "2026-10-01"), ("period", "<", "2026-11-01")]) == OCTOBER
    assert single_month([("period", ">", "2026-09-01"), ("period", "<=", "2026-10-31")]) == OCTOBER
    assert single_month([("period", ">=", "2026-09-02"), ("period", "<", "2026-11-01")]) == OCTOBER
    # bounds excluding the month itself leave none
    assert single_month([("period", ">", "2026-10-01"), ("period", "<", "2026-11-01")]) is None
    assert single_month([("period", ">=", "2026-10-01"), ("period", "<=", "2026-11-01")]) is None


def test_several_months_or_an_open_range_give_no_answer():
    assert single_month([("period", ">=", "2025-11-01"), ("period", "<", "2026-11-01")]) is None
    assert single_month([("period", ">=", "2026-10-01")]) is None
    assert single_month([("period", "in", ["2026-10-01", "2026-09-01"])]) is None
    assert single_month(["|", ("period", "=", "2026-10-01"), ("period", "=", "2026-09-01")]) is None
    assert single_month([("period", ">=", "1950-01-01"), ("period", "<", "2120-01-01")]) is None


def test_an_or_restricts_only_when_both_sides_do():
    assert single_month(["|", ("period", "=", "2026-10-01"), ("status", "=", "invoiced")]) is None
    assert (
        single_month(["|", ("period", "=", "2026-10-01"), ("period", "in", ["2026-10-01"])])
        == OCTOBER
    )
    # '&' of an OR of two months with one of them
    domain = ["|", ("period", "=", "2026-10-01"), ("period", "=", "2026-09-01")]
    assert single_month([*domain, ("period", "=", "2026-10-01")]) == OCTOBER


def test_what_restricts_nothing():
    assert single_month([]) is None
    assert single_month([("status", "=", "invoiced")]) is None
    assert single_month(["!", ("period", "=", "2026-10-01")]) is None
    assert single_month([("period", "!=", "2026-10-01")]) is None
    assert single_month([("period", "not in", ["2026-10-01"])]) is None
    assert single_month([("period", "=", False)]) is None
    assert single_month([("period", "=", datetime(2026, 10, 1, 12))]) is None
    assert single_month([("period", "=", "October")]) is None
    assert single_month([(1, "=", 1)]) is None
    assert single_month("[('period', '=', '2026-10-01')]") is None


def test_no_first_day_no_answer():
    # a period is always a first day: the 15th selects no row, and no month
    assert single_month([("period", "=", "2026-10-15")]) is None
    assert single_month([("period", "in", ["2026-10-15", "2026-10-01"])]) == OCTOBER
    # contradictions select nothing: no answer either
    assert single_month([("period", "=", "2026-10-01"), ("period", "=", "2026-09-01")]) is None


def test_malformed_domains_give_no_answer():
    assert single_month(["&", ("period", "=", "2026-10-01")]) is None
    assert single_month(["|"]) is None
    assert single_month([("period", "=")]) is None


def test_another_field():
    assert single_month([("month", "=", "2026-10-01")], field="month") == OCTOBER
    assert single_month([("period", "=", "2026-10-01")], field="month") is None


def test_bounds_of_a_range_of_months():
    year = [("period", ">=", "2025-12-01"), ("period", "<=", "2026-11-01")]
    assert month_bounds(year) == (date(2025, 12, 1), date(2026, 11, 1))
    assert month_bounds([("period", "=", "2026-10-01")]) == (OCTOBER, OCTOBER)
    assert month_bounds(["|", ("period", "=", "2026-10-01"), ("period", "=", "2025-01-01")]) == (
        date(2025, 1, 1),
        OCTOBER,
    )


def test_bounds_on_one_side_only():
    assert month_bounds([("period", ">=", "2026-10-01")]) == (OCTOBER, None)
    assert month_bounds([("period", "<", "2026-10-01"), ("status", "=", "x")]) == (None, OCTOBER)


def test_no_bounds_without_a_restriction_that_is_certain():
    assert month_bounds([]) is None
    assert month_bounds([("status", "=", "to_invoice")]) is None
    assert month_bounds(["|", ("period", "=", "2026-10-01"), ("status", "=", "x")]) is None
    assert month_bounds(["!", ("period", "=", "2026-10-01")]) is None
    assert month_bounds("[('period', '=', '2026-10-01')]") is None
    assert month_bounds(["&", ("period", "=", "2026-10-01")]) is None


def test_bounds_of_no_month_select_no_row():
    first, last = month_bounds([("period", "=", "2026-10-15")])
    assert first == last and first.day != 1  # no period is ever that day
