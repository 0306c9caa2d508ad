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
