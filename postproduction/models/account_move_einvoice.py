"""The e-invoice (Factur-X CII, UBL) of a PostProduction invoice: what it bills, said in
the standard's own terms.

Odoo's ``account_edi_ubl_cii`` builds the XML and embeds it in the PDF; PostProduction
only fills the values Odoo leaves generic, on the moves it handles
(``_postproduction_in_use``): the service period (BG-14, the billed month the document
shows, where Odoo puts the invoice and due dates), the buyer's order reference (BT-13,
the customer's reference of the order, never the invoice number), the invoices a final
invoice or a credit note refers to (BT-25) and the company's VAT mention (a note of
subject TXD). Everything else is Odoo's.
"""

from odoo import api, fields, models

from ..calc import periods

#: The specification identifier (BT-24) of an EN 16931 invoice, for CII and UBL.
EN16931 = "urn:cen.eu:en16931:2017"
#: The mention French tax law requires of a company that opted to pay VAT on its debits
#: (article 242 nonies A of annex II to the CGI), in the law's own words: French
#: invoices carry it as it is, whatever the customer's language.
VAT_ON_DEBITS_MENTION = "Option pour le paiement de la taxe d'après les débits"


class AccountMove(models.Model):
    _inherit = "account.move"

    postproduction_einvoice_warning = fields.Text(
        string="E-invoice warning",
        compute="_compute_postproduction_einvoice_warning",
        help="What an e-invoicing platform would reject in this generated invoice, checked "
        "again each time it is shown: it goes once the customer and the order are complete.",
    )

    @api.depends("partner_id", "state", "invoice_line_ids.sale_line_ids")
    def _compute_postproduction_einvoice_warning(self):
        run = self.env["postproduction.invoice.run"]
        for move in self:
            warnings = []
            if move.postproduction_run_id and move.state != "cancel":
                for order in move.sudo().invoice_line_ids.sale_line_ids.order_id:
                    warnings += run._get_einvoice_problems(order)
            move.postproduction_einvoice_warning = "\n".join(dict.fromkeys(warnings)) or False

    def _get_postproduction_edi_values(self):
        """What the e-invoice of this PostProduction move says beyond Odoo's, or ``{}``
        on the moves PostProduction does not handle."""
        self.ensure_one()
        if not self._postproduction_in_use():
            return {}
        return {
            "period": self._get_postproduction_edi_period(),
            "order_reference": self._get_postproduction_order_reference(),
            "preceding": self._get_postproduction_preceding_invoices(),
            "notes": self._get_postproduction_edi_notes(),
            "descriptions": self._get_postproduction_edi_descriptions(),
        }

    def _get_postproduction_edi_period(self):
        """(first day, last day) of the month the move bills (a credit note: the month
        of the invoice it credits), or ``None``."""
        source = self.reversed_entry_id or self
        period = self.postproduction_period or source.postproduction_period
        return periods.month_bounds(period) if period else None

    def _get_postproduction_edi_descriptions(self):
        """{invoice line: its description}, naming the consultants of the deliveries the
        line bills when its label does not (an order line written by hand)."""
        return {
            line: description
            for line in self.invoice_line_ids.filtered("sale_line_ids")
            if (description := line._get_postproduction_edi_description()) != line.name
        }

    def _get_postproduction_order_reference(self):
        """The customer's reference of the invoiced order, when the invoice bills orders
        that share one; empty otherwise (several references are not one reference)."""
        orders = (self.reversed_entry_id or self).invoice_line_ids.sale_line_ids.order_id
        references = {ref.strip() for ref in orders.mapped("client_order_ref") if ref}
        references.discard("")
        return references.pop() if len(references) == 1 else ""

    def _get_postproduction_preceding_invoices(self):
        """The posted invoices this one refers to: the reversed invoice of a credit note,
        the down payment invoices a final invoice deducts."""
        if self.reversed_entry_id:
            return self.reversed_entry_id
        # A deduction lowers what the move bills: negative on an invoice, positive on a
        # credit note (a regularisation below the advance).
        sign = -1 if self.move_type == "out_refund" else 1
        deducted = self.invoice_line_ids.filtered(
            lambda line: sign * line.price_subtotal < 0
        ).sale_line_ids.filtered("is_downpayment")
        advances = deducted.invoice_lines.filtered(
            lambda line: (
                line.move_id != self
                and line.move_id.move_type == "out_invoice"
                and line.move_id.state == "posted"
                and line.price_subtotal > 0
            )
        ).move_id
        return advances.sorted(lambda move: (move.invoice_date or fields.Date.today(), move.id))

    def _get_postproduction_edi_notes(self):
        """[(subject code, text)] of the notes the company's invoices must carry."""
        if not self.company_id.postproduction_vat_on_debits:
            return []
        return [("TXD", VAT_ON_DEBITS_MENTION)]

    def _get_postproduction_vat_mention(self):
        """The printed mention of a company that pays VAT on its debits: the law's French
        wording, followed by its translation for a customer of another language."""
        env = self.with_context(lang=self._postproduction_lang()).env
        translation = env._("Option for the payment of VAT on debits")
        if translation == VAT_ON_DEBITS_MENTION:
            return VAT_ON_DEBITS_MENTION
        return f"{VAT_ON_DEBITS_MENTION} ({translation})"


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _get_postproduction_edi_description(self):
        """The line's label, followed by the consultants of the deliveries of its order
        lines that it does not name (read for all the move's lines at once)."""
        self.ensure_one()
        label = self.name or ""
        deliveries = self.sudo().sale_line_ids.postproduction_delivery_ids
        consultants = dict.fromkeys(deliveries.employee_id.mapped("name"))
        missing = [name for name in consultants if name not in label]
        return " - ".join(filter(None, [label, ", ".join(missing)])) if missing else self.name


class AccountEdiXmlCii(models.AbstractModel):
    _inherit = "account.edi.xml.cii"

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        extra = invoice._get_postproduction_edi_values()
        if not extra:
            return vals
        # Odoo declares the Extended profile; what it writes is EN 16931, as the PDF's
        # Factur-X metadata already says (``account_invoice_pdfa_3_facturx_metadata``).
        vals["document_context_id"] = EN16931
        if extra["period"]:
            vals["billing_start"], vals["billing_end"] = extra["period"]
        vals["purchase_order_reference"] = extra["order_reference"]
        vals["postproduction_preceding"] = extra["preceding"]
        vals["postproduction_notes"] = extra["notes"]
        for line_vals in vals["invoice_line_vals_list"]:
            line = line_vals["line"]
            if not line.product_id:
                line_vals["postproduction_name"] = line.name
            if line in extra["descriptions"]:
                line_vals["postproduction_description"] = extra["descriptions"][line]
        return vals


class AccountEdiXmlUbl20(models.AbstractModel):
    _inherit = "account.edi.xml.ubl_20"

    def _get_invoice_period_vals_list(self, invoice):
        period = invoice._postproduction_in_use() and invoice._get_postproduction_edi_period()
        if period:
            return [{"start_date": period[0], "end_date": period[1]}]
        return super()._get_invoice_period_vals_list(invoice)

    def _get_invoice_line_item_vals(self, line, taxes_vals):
        vals = super()._get_invoice_line_item_vals(line, taxes_vals)
        if line.move_id._postproduction_in_use():
            description = line._get_postproduction_edi_description()
            vals["description"] = description and description.replace("\n", " ")
        return vals

    def _get_note_vals_list(self, invoice):
        notes = super()._get_note_vals_list(invoice)
        if not invoice._postproduction_in_use():
            return notes
        # Peppol and the French rules put a note's subject code first, between '#'.
        return notes + [
            {"note": f"#{code}#{text}"} for code, text in invoice._get_postproduction_edi_notes()
        ]

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        extra = invoice._get_postproduction_edi_values()
        if not extra:
            return vals
        if extra["order_reference"]:
            vals["vals"]["order_reference"] = extra["order_reference"]
        vals["vals"]["postproduction_billing_references"] = [
            {"id": move.name, "issue_date": move.invoice_date} for move in extra["preceding"]
        ]
        return vals
