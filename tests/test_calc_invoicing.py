from datetime import date

import pytest

from odoo.addons.postproduction.calc import diagnosis, invoicing


def test_every_status_but_to_invoice_holds_a_row_back():
    held = {status for status in diagnosis.STATUSES if invoicing.reason_of_status(status)}
    assert held == set(diagnosis.STATUSES) - {"to_invoice"}
    assert set(invoicing.BLOCKING_STATUSES.values()) <= set(invoicing.REASONS)


def test_order_blocking_statuses_are_blocking_statuses():
    assert invoicing.ORDER_BLOCKING_STATUSES <= set(invoicing.BLOCKING_STATUSES)


@pytest.mark.parametrize(
    ("day", "setting", "expected"),
    [
        (date(2026, 2, 4), 5, None),
        (date(2026, 2, 5), 5, date(2026, 1, 1)),
        (date(2026, 2, 20), 5, date(2026, 1, 1)),  # catches up a missed day
        (date(2026, 1, 5), 5, date(2025, 12, 1)),
        (date(2026, 2, 5), 0, None),
        (date(2026, 2, 5), None, None),
    ],
)
def test_monthly_invoicing_is_due_from_the_invoicing_day(day, setting, expected):
    assert invoicing.monthly_invoicing_due(day, setting) == expected


@pytest.mark.parametrize(
    ("ordered", "ratio", "rounding", "expected"),
    [
        (1.0, 0.5, 0.01, 0.5),
        (1.0, 1 / 3, 0.01, 0.33),
        (220.0, 0.25, 0.01, 55.0),
        (1.0, 0.001, 0.01, 0.01),  # never zero
        (1.0, 0.0, 0.01, 0.0),
    ],
)
def test_instalment_quantity(ordered, ratio, rounding, expected):
    assert invoicing.instalment_quantity(ordered, ratio, rounding) == pytest.approx(expected)


def test_a_plan_has_something_to_invoice_only_with_values():
    assert not invoicing.InvoicePlan()
    plan = invoicing.InvoicePlan({7: {"quantity": 2.0}}, {7: 1600.0})
    assert plan and plan.amounts == {7: 1600.0} and plan.instalments is None
    with pytest.raises(AttributeError):
        plan.values = {}  # frozen: the dicts fill, the plan is not replaced
    assert invoicing.InvoicePlan().values is not invoicing.InvoicePlan().values
