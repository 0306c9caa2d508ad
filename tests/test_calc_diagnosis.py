from datetime import date

import pytest

from odoo.addons.postproduction.calc import diagnosis, statuses, turnover_key
from odoo.addons.postproduction.calc.diagnosis import diagnose, make_facts


def test_ready_row_is_to_invoice():
    assert diagnose(make_facts(production=1000.0)) == "to_invoice"


def test_row_without_production_has_nothing_to_invoice():
    assert diagnose(make_facts()) == "nothing_to_invoice"
    assert diagnose(make_facts(production=0.004)) == "nothing_to_invoice"


def test_row_invoiced_to_half_a_cent_is_invoiced():
    facts = make_facts(production=1000.0, invoiced=999.996, invoice_line_count=1)
    assert diagnose(facts) == "invoiced"


def test_partly_invoiced_row_is_still_to_invoice():
    facts = make_facts(production=1000.0, invoiced=400.0, invoice_line_count=1)
    assert diagnose(facts) == "to_invoice"


def test_zero_delta_without_any_invoice_is_not_invoiced():
    assert diagnose(make_facts(production=0.0, invoiced=0.0)) == "nothing_to_invoice"


def test_invoices_cancelling_out_still_count_as_invoiced():
    facts = make_facts(production=0.0, invoiced=0.0, invoice_line_count=2)
    assert diagnose(facts) == "invoiced"


def test_pending_timesheets_block_only_when_the_setting_is_on():
    pending = {"pending_count": 3, "production": 500.0}
    assert diagnose(make_facts(validated_only=True, **pending)) == "timesheets_pending"
    assert diagnose(make_facts(validated_only=False, **pending)) == "to_invoice"


def test_pending_timesheets_come_before_invoiced():
    facts = make_facts(
        validated_only=True,
        pending_count=1,
        production=500.0,
        invoiced=500.0,
        invoice_line_count=1,
    )
    assert diagnose(facts) == "timesheets_pending"


def test_schedule_orders_ignore_pending_timesheets_but_need_instalments():
    facts = {"mode": "schedule", "validated_only": True, "pending_count": 4}
    assert diagnose(make_facts(**facts)) == "no_schedule"
    facts["schedule_count"] = 1
    assert diagnose(make_facts(production=5000.0, **facts)) == "to_invoice"


def test_precedence_of_the_correlation_problems():
    everything = {
        "no_order_count": 1,
        "multiple_orders_count": 1,
        "partial_correlation": True,
        "mode": "schedule",
        "validated_only": True,
        "pending_count": 1,
    }
    assert diagnose(make_facts(**everything)) == "no_order"
    everything["no_order_count"] = 0
    assert diagnose(make_facts(**everything)) == "multiple_orders"
    everything["multiple_orders_count"] = 0
    assert diagnose(make_facts(**everything)) == "partial_correlation"
    everything["partial_correlation"] = False
    assert diagnose(make_facts(**everything)) == "no_schedule"
    everything["mode"] = "monthly"
    assert diagnose(make_facts(**everything)) == "timesheets_pending"


def test_statuses_are_listed_in_precedence_order():
    assert diagnosis.STATUSES == (
        "no_order",
        "multiple_orders",
        "partial_correlation",
        "no_schedule",
        "timesheets_pending",
        "invoiced",
        "nothing_to_invoice",
        "signoff_contested",
        "awaiting_signoff",
        "to_invoice",
    )
    assert diagnosis.RULES[-1].conditions == ()


def test_a_required_sign_off_holds_a_month_to_invoice_until_signed():
    required = {"production": 1000.0, "signoff_required": True}
    assert diagnose(make_facts(**required)) == "awaiting_signoff"
    for state in ("draft", "sent"):
        assert diagnose(make_facts(signoff_state=state, **required)) == "awaiting_signoff"
    assert diagnose(make_facts(signoff_state="contested", **required)) == "signoff_contested"
    assert diagnose(make_facts(signoff_state="signed", **required)) == "to_invoice"
    assert diagnose(make_facts(production=1000.0, signoff_state="sent")) == "to_invoice"


def test_a_month_billed_or_empty_needs_no_signature():
    billed = make_facts(production=1000.0, invoiced=1000.0, invoice_line_count=1)
    assert diagnose({**billed, "signoff_required": True}) == "invoiced"
    assert diagnose(make_facts(signoff_required=True)) == "nothing_to_invoice"


def test_unknown_facts_and_operators_are_refused():
    with pytest.raises(ValueError):
        make_facts(order_count=1)
    with pytest.raises(ValueError):
        diagnosis.Condition("pending_count", ">=", 1)
    with pytest.raises(ValueError):
        diagnosis.Condition("no such fact", ">", 1)


def test_sql_case_follows_the_rules_in_order():
    template, params = diagnosis.sql_case("f")
    assert template.startswith("CASE WHEN ")
    assert template.endswith("ELSE %s END")
    assert template.count("%s") == len(params)
    statuses = [param for param in params if param in diagnosis.STATUSES]
    assert statuses == list(diagnosis.STATUSES)
    assert '"f"."no_order_count" > %s' in template
    first = template.index("no_order_count")
    assert first < template.index("multiple_orders_count") < template.index("abs_production")


def test_sql_case_refuses_a_strange_alias():
    with pytest.raises(ValueError):
        diagnosis.sql_case('f"; DROP TABLE x; --')


def test_row_id_round_trips_and_keeps_to_53_bits():
    key = turnover_key.row_id(date(2026, 10, 17), 1_048_575, 4_193_279)
    assert key < 2**53
    assert turnover_key.split_row_id(key) == (date(2026, 10, 1), 1_048_575, 4_193_279)
    assert turnover_key.split_row_id(turnover_key.row_id(date(1950, 1, 1))) == (
        date(1950, 1, 1),
        None,
        None,
    )


def test_row_ids_differ_by_month_project_and_order():
    ids = {
        turnover_key.row_id(date(2026, month, 1), project, order)
        for month in (1, 2)
        for project in (None, 1, 2)
        for order in (None, 1, 2)
    }
    assert len(ids) == 18


def test_rows_of_a_shared_project_differ_by_company_and_round_trip():
    by_company = {
        company: turnover_key.row_id(date(2026, 3, 1), 7, None, company)
        for company in (None, 1, 2, 1024)
    }
    assert len(set(by_company.values())) == 4
    assert turnover_key.split_row_key(by_company[2]) == (date(2026, 3, 1), 7, None, 2)
    assert turnover_key.split_row_id(by_company[1024]) == (date(2026, 3, 1), 7, None)
    assert turnover_key.split_row_key(turnover_key.row_id(date(2026, 3, 1), 7, 9)) == (
        date(2026, 3, 1),
        7,
        9,
        None,
    )


def test_only_a_row_without_order_has_a_company_of_its_own():
    with pytest.raises(ValueError):
        turnover_key.row_id(date(2026, 1, 1), 1, 5, 2)
    with pytest.raises(ValueError):
        turnover_key.row_id(date(2026, 1, 1), 1, None, 1025)
    with pytest.raises(ValueError):
        turnover_key.row_id(date(2026, 1, 1), 1, 4_193_280)


def test_row_id_refuses_ids_out_of_range():
    with pytest.raises(ValueError):
        turnover_key.row_id(date(2026, 1, 1), 1 << 20, 1)
    with pytest.raises(ValueError):
        turnover_key.row_id(date(1949, 12, 1), 1, 1)


def test_written_off_quantity_closes_the_delta():
    # 800 produced and invoiced, then 200 credited as written off: invoiced is net (600)
    facts = make_facts(production=800.0, invoiced=600.0, written_off=200.0, invoice_line_count=2)
    assert facts["abs_delta"] == 0.0
    assert diagnose(facts) == "invoiced"


def test_credit_note_not_written_off_leaves_a_delta():
    facts = make_facts(production=800.0, invoiced=600.0, invoice_line_count=2)
    assert facts["abs_delta"] == 200.0
    assert diagnose(facts) == "to_invoice"


def test_representable_months_are_those_a_row_id_holds():
    first, last = turnover_key.representable_months()
    assert (first, last) == (date(1950, 1, 1), date(2120, 7, 1))
    assert turnover_key.split_row_id(turnover_key.row_id(last))[0] == last
    with pytest.raises(ValueError):
        turnover_key.row_id(date(2120, 8, 1))


def test_every_packed_key_is_above_the_ids_rows_are_given():
    smallest = turnover_key.row_id(date(1950, 1, 1))
    assert smallest > turnover_key.MAX_ROW_ID == 2**31 - 1
    assert turnover_key.is_packed(smallest)
    assert not turnover_key.is_packed(turnover_key.MAX_ROW_ID)
    with pytest.raises(ValueError):
        turnover_key.split_row_key(12)


def test_every_status_has_its_icon_and_the_sql_gives_it():
    assert set(diagnosis.STATUS_ICONS) == set(diagnosis.STATUSES)
    assert all(icon.startswith("fa-") for icon in diagnosis.STATUS_ICONS.values())
    template, params = diagnosis.sql_status_case("f.status", "icon")
    assert template.startswith("CASE (f.status) WHEN %s THEN %s")
    assert template.count("%s") == len(params) == 2 * len(diagnosis.STATUSES)
    assert dict(zip(params[::2], params[1::2], strict=True)) == diagnosis.STATUS_ICONS


def test_the_status_table_describes_every_status_of_the_decision_table():
    assert [status.code for status in statuses.STATUSES] == [
        "to_invoice", "invoiced", "nothing_to_invoice", "no_order", "multiple_orders",
        "partial_correlation", "no_schedule", "timesheets_pending", "awaiting_signoff",
        "signoff_contested",
    ]  # fmt: skip
    assert set(statuses.STATUS) == set(diagnosis.STATUSES)
    for status in statuses.STATUSES:
        assert status.label and status.explanation, status.code
        assert status.decoration in {"info", "success", "muted", "warning", "danger"}
        assert status.reason is None or status.reason in statuses.REASON, status.code
    _template, params = diagnosis.sql_status_case("f.status", "decoration")
    assert dict(zip(params[::2], params[1::2], strict=True))["invoiced"] == "success"


def test_a_rule_for_a_status_the_table_does_not_know_is_refused():
    with pytest.raises(ValueError, match="Unknown status"):
        diagnosis.Rule("paid")
