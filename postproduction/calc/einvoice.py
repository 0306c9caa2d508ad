"""What an e-invoicing platform refuses, decided on plain facts (no ORM).

French companies issue their invoices through an approved platform (large and mid-sized
companies since September 2026, the others from September 2027), which rejects an
invoice whose buyer it cannot identify or whose mandatory references are missing. The
run checks each order against these rules before creating its invoice (``problems``).
"""

from dataclasses import dataclass

from stdnum.fr import siren, siret

#: Countries whose businesses must receive structured e-invoices in 2026: France (reform
#: of September 2026), Belgium (Peppol B2B since January 2026), Germany (since 2025).
EINVOICE_COUNTRIES = frozenset({"BE", "DE", "FR"})

#: Customers' policies on order references, from none to one per invoice.
REFERENCE_POLICIES = ("optional", "required", "per_invoice")


@dataclass(frozen=True)
class Buyer:
    """The facts of an invoice's buyer (its commercial partner) and of its order;
    ``in_eu``: whether its country is a member state of the European Union."""

    country: str
    is_company: bool
    in_eu: bool = False
    registry: str = ""
    vat: str = ""
    edi_format: str = ""
    reference_policy: str = "optional"
    order_reference: str = ""


def is_valid_siren(number):
    """Whether ``number`` is a valid SIREN (9 digits) or SIRET (14 digits)."""
    compact = "".join((number or "").split())
    return siren.is_valid(compact) or siret.is_valid(compact)


def problems(seller_country, buyer):
    """The codes of the problems an invoice from a company of ``seller_country`` to
    ``buyer`` would be rejected for ("siren", "order_reference", "vat", "format", in
    that order); none outside France, none for a private customer but the order
    reference."""
    if seller_country != "FR":
        return []
    found = []
    if buyer.is_company and buyer.country == "FR" and not is_valid_siren(buyer.registry):
        found.append("siren")
    if buyer.reference_policy != "optional" and not (buyer.order_reference or "").strip():
        found.append("order_reference")
    if buyer.is_company and buyer.in_eu and not buyer.vat:
        found.append("vat")
    if buyer.is_company and buyer.country in EINVOICE_COUNTRIES and not buyer.edi_format:
        found.append("format")
    return found


def split_reference(policy, reference):
    """The part of an order's grouping key its customer's policy adds: its reference
    when the customer takes one order reference per invoice, else nothing."""
    return (reference or "").strip() if policy == "per_invoice" else None
