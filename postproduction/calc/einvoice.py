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

#: The European Union's member states, whose business customers need a VAT number.
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

#: Customers' policies on order references, from none to one per invoice.
REFERENCE_POLICIES = ("optional", "required", "per_invoice")

#: The problems, in the order they are told.
PROBLEMS = ("siren", "order_reference", "vat", "format")


@dataclass(frozen=True)
class Buyer:
    """The facts of an invoice's buyer (its commercial partner) and of its order."""

    country: str
    is_company: bool
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
    """The codes of ``PROBLEMS`` an invoice from a company of ``seller_country`` to
    ``buyer`` would be rejected for; none outside France, none for a private customer
    but the order reference."""
    if seller_country != "FR":
        return []
    found = []
    if buyer.is_company and buyer.country == "FR" and not is_valid_siren(buyer.registry):
        found.append("siren")
    if buyer.reference_policy != "optional" and not (buyer.order_reference or "").strip():
        found.append("order_reference")
    if buyer.is_company and buyer.country in EU_COUNTRIES and not buyer.vat:
        found.append("vat")
    if buyer.is_company and buyer.country in EINVOICE_COUNTRIES and not buyer.edi_format:
        found.append("format")
    return found


def split_reference(policy, reference):
    """The part of an order's grouping key its customer's policy adds: its reference
    when the customer takes one order reference per invoice, else nothing."""
    return (reference or "").strip() if policy == "per_invoice" else None
