from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    postproduction_billing_contact_id = fields.Many2one(
        "res.partner",
        string="Billing contact",
        domain="[('id', '!=', id), ('commercial_partner_id', '=', commercial_partner_id)]",
        help="Contact the customer's invoices are e-mailed to, instead of the customer itself.",
    )
    postproduction_invoice_copy = fields.Boolean(
        string="Invoice e-mail copy",
        help="This contact receives a copy of every invoice e-mailed to its company.",
    )

    postproduction_reference_policy = fields.Selection(
        [
            ("optional", "Optional"),
            ("required", "Required"),
            ("per_invoice", "Required, one per invoice"),
        ],
        string="Order reference",
        default="optional",
        required=True,
        help="Whether this customer requires its order reference (the order's customer "
        "reference) on every invoice, and on one order reference per invoice: invoices "
        "grouped per customer are then split by reference.",
    )

    def _commercial_fields(self):
        return [*super()._commercial_fields(), "postproduction_reference_policy"]

    def _postproduction_invoice_recipients(self):
        """Who an invoice of this customer is e-mailed to: its billing contact and the
        contacts ticked 'Invoice e-mail copy'; an empty recordset without billing contact
        and copies (the sender then keeps its usual recipients)."""
        self.ensure_one()
        customer = self.commercial_partner_id
        copies = self.search(
            [
                ("commercial_partner_id", "=", customer.id),
                ("postproduction_invoice_copy", "=", True),
            ]
        )
        return customer.postproduction_billing_contact_id | copies
