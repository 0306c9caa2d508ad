"""The rules a French e-invoicing platform applies, on plain facts."""

import pytest

from odoo.addons.postproduction.calc import einvoice

FRENCH_BUSINESS = einvoice.Buyer(
    country="FR",
    is_company=True,
    in_eu=True,
    registry="732 829 320",
    vat="FR44732829320",
    edi_format="facturx",
)


def test_a_complete_french_business_passes():
    assert einvoice.problems("FR", FRENCH_BUSINESS) == []


def test_nothing_is_checked_outside_france():
    buyer = einvoice.Buyer(country="BE", is_company=True)
    assert einvoice.problems("US", buyer) == []
    assert einvoice.problems("", buyer) == []


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("732829320", True),  # SIREN
        ("732 829 320", True),
        ("73282932000074", True),  # SIRET
        ("732829321", False),  # wrong check digit
        ("12345", False),
        ("", False),
        (None, False),
    ],
)
def test_siren_and_siret(number, valid):
    assert einvoice.is_valid_siren(number) is valid


def test_every_problem_in_order():
    buyer = einvoice.Buyer(
        country="FR", is_company=True, in_eu=True, registry="123", reference_policy="required"
    )
    assert einvoice.problems("FR", buyer) == ["siren", "order_reference", "vat", "format"]


def test_a_private_customer_needs_only_its_required_reference():
    person = einvoice.Buyer(country="FR", is_company=False, reference_policy="per_invoice")
    assert einvoice.problems("FR", person) == ["order_reference"]
    with_reference = einvoice.Buyer(
        country="FR", is_company=False, reference_policy="per_invoice", order_reference="PO-1"
    )
    assert einvoice.problems("FR", with_reference) == []


def test_a_blank_reference_is_no_reference():
    buyer = einvoice.Buyer(**{**FRENCH_BUSINESS.__dict__, "reference_policy": "required"})
    assert einvoice.problems("FR", buyer) == ["order_reference"]
    spaced = einvoice.Buyer(**{**buyer.__dict__, "order_reference": "   "})
    assert einvoice.problems("FR", spaced) == ["order_reference"]


def test_eu_businesses_need_a_vat_number_and_e_invoicing_countries_a_format():
    belgian = einvoice.Buyer(country="BE", is_company=True, in_eu=True)
    assert einvoice.problems("FR", belgian) == ["vat", "format"]
    swiss = einvoice.Buyer(country="CH", is_company=True)
    assert einvoice.problems("FR", swiss) == []
    italian = einvoice.Buyer(country="IT", is_company=True, in_eu=True, vat="IT00743110157")
    assert einvoice.problems("FR", italian) == []


def test_split_key_only_for_one_reference_per_invoice():
    assert einvoice.split_reference("per_invoice", " PO-1 ") == "PO-1"
    assert einvoice.split_reference("per_invoice", False) == ""
    assert einvoice.split_reference("required", "PO-1") is None
    assert einvoice.split_reference("optional", "PO-1") is None
    assert set(einvoice.REFERENCE_POLICIES) == {"optional", "required", "per_invoice"}
