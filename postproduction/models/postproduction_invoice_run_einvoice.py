from collections import defaultdict

from odoo import api, models

from ..calc import einvoice


class PostproductionInvoiceRun(models.Model):
    """A run's e-invoicing checks: what an approved platform would reject is said on the
    line before the invoice exists (French companies), and customers that take one
    order reference per invoice get one invoice per reference."""

    _inherit = "postproduction.invoice.run"

    @api.model
    def _get_einvoice_problems(self, order):
        """The sentences saying why a platform would reject ``order``'s invoice; none
        outside France."""
        if order.company_id.country_id.code != "FR":
            return []
        customer = order.partner_invoice_id.commercial_partner_id
        buyer = einvoice.Buyer(
            country=customer.country_id.code or "",
            is_company=customer.is_company,
            in_eu=customer.country_id in self.env.ref("base.europe").country_ids,
            registry=customer.company_registry or "",
            vat=customer.vat or "",
            edi_format=customer.with_company(order.company_id).invoice_edi_format or "",
            reference_policy=customer.postproduction_reference_policy,
            order_reference=order.client_order_ref or "",
        )
        codes = einvoice.problems(order.company_id.country_id.code, buyer)
        return [self._get_einvoice_sentence(code, customer, order) for code in codes]

    @api.model
    def _get_einvoice_sentence(self, code, customer, order):
        name = customer.display_name
        if code == "siren":
            return self.env._(
                "%(customer)s is a French business without a valid SIREN or SIRET (Company ID).",
                customer=name,
            )
        if code == "order_reference":
            return self.env._(
                "%(customer)s requires its order reference and order %(order)s has none.",
                customer=name,
                order=order.name,
            )
        if code == "vat":
            return self.env._(
                "%(customer)s is a business in the European Union without a VAT number.",
                customer=name,
            )
        return self.env._(
            "%(customer)s has no e-invoice format, which its country requires.", customer=name
        )

    def _get_einvoice_problems_to_skip(self, order):
        """The problems of ``order``'s invoice when this run skips such orders (a real run
        of a company that chose so); else none (the lines get the warning)."""
        if self.simulate or self.company_id.postproduction_einvoice_check != "skip":
            return []
        return self._get_einvoice_problems(order)

    def _hold_for_einvoice(self, order, rows):
        """The skipped lines of an order a platform would reject, when the run skips such
        orders; else an empty list."""
        problems = self._get_einvoice_problems_to_skip(order)
        if not problems:
            return []
        return [self._prepare_skipped_line(row, "einvoice", problems=problems) for row in rows]

    def _hold_advance_for_einvoice(self, order):
        """The skipped line of an order whose advance a platform would reject, when the
        run skips such orders; else ``None``."""
        problems = self._get_einvoice_problems_to_skip(order)
        if not problems:
            return None
        return self._prepare_advance_line(order, "skipped", code="einvoice", problems=problems)

    def _get_einvoice_warning(self, order, split_orders):
        """The warning text of a generated or simulated line of ``order``: what a platform
        would reject, and whether the order was invoiced apart for its reference."""
        warnings = self._get_einvoice_problems(order)
        if order in split_orders:
            warnings.append(
                self.env._(
                    "Invoiced apart from the customer's other orders: %(customer)s takes one "
                    "order reference per invoice (%(reference)s).",
                    customer=order.partner_invoice_id.commercial_partner_id.display_name,
                    reference=order.client_order_ref or self.env._("none"),
                )
            )
        return "\n".join(warnings)

    def _get_reference_split_key(self, order):
        """What the order's customer adds to its grouping key: its reference, when it takes
        one order reference per invoice; ``None`` otherwise."""
        if self.grouping == "order":
            return None
        policy = order.partner_invoice_id.commercial_partner_id.postproduction_reference_policy
        return einvoice.split_reference(policy, order.client_order_ref)

    def _split_by_reference(self, orders):
        """``orders`` in the batches Odoo's grouping must see apart: a batch per order
        reference of the customers that take one per invoice, with the other orders in the
        first batch; and the orders invoiced apart from a customer's others."""
        batches = defaultdict(lambda: self.env["sale.order"])
        by_customer = defaultdict(set)
        for order in orders:
            key = self._get_reference_split_key(order)
            batches[key] |= order
            if key is not None:
                by_customer[order.partner_invoice_id.id].add(key)
        split = orders.filtered(lambda o: len(by_customer.get(o.partner_invoice_id.id, ())) > 1)
        none_first = sorted(batches, key=lambda key: (key is not None, key or ""))
        return [batches[key] for key in none_first], split
