from odoo import fields, models


class PostproductionInvoiceUnlockWizard(models.TransientModel):
    _name = "postproduction.invoice.unlock.wizard"
    _description = "Reset a posted PostProduction invoice to draft"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    reason = fields.Text(required=True)

    def action_unlock(self):
        """Reset the invoices to draft; logs the reason in their chatter."""
        self.ensure_one()
        self.move_ids._postproduction_unlock(self.reason)
        return {"type": "ir.actions.act_window_close"}
