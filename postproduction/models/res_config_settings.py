from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    postproduction_validated_timesheets_only = fields.Boolean(
        related="company_id.postproduction_validated_timesheets_only", readonly=False
    )
    postproduction_day_product_id = fields.Many2one(
        related="company_id.postproduction_day_product_id", readonly=False
    )
    postproduction_invoicing_day = fields.Integer(
        related="company_id.postproduction_invoicing_day", readonly=False
    )
    postproduction_auto_invoice = fields.Boolean(
        related="company_id.postproduction_auto_invoice", readonly=False
    )
    postproduction_auto_invoice_from = fields.Date(
        related="company_id.postproduction_auto_invoice_from", readonly=False
    )
    postproduction_preliminary_invoice_day = fields.Integer(
        related="company_id.postproduction_preliminary_invoice_day", readonly=False
    )
    postproduction_signoff_default = fields.Selection(
        related="company_id.postproduction_signoff_default", readonly=False
    )
    postproduction_signoff_reminder_days = fields.Integer(
        related="company_id.postproduction_signoff_reminder_days", readonly=False
    )
    postproduction_taxes_required = fields.Boolean(
        related="company_id.postproduction_taxes_required", readonly=False
    )
    postproduction_vat_on_debits = fields.Boolean(
        related="company_id.postproduction_vat_on_debits", readonly=False
    )
    postproduction_einvoice_check = fields.Selection(
        related="company_id.postproduction_einvoice_check", readonly=False
    )

    @api.onchange("postproduction_auto_invoice")
    def _onchange_postproduction_auto_invoice(self):
        """Start automatic generation this month: nothing due before is billed by it."""
        if self.postproduction_auto_invoice and not self.postproduction_auto_invoice_from:
            self.postproduction_auto_invoice_from = fields.Date.context_today(self).replace(day=1)
