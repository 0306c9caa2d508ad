from odoo import api, fields, models


class PostproductionFinancialDocumentDateWizard(models.TransientModel):
    """Change the date of several planned or forecast total documents at once."""

    _name = "postproduction.financial.document.date.wizard"
    _description = "Change the date of financial documents"

    document_ids = fields.Many2many(
        "postproduction.financial.document",
        "postproduction_financial_document_date_wizard_rel",
        "wizard_id",
        "document_id",
        string="Documents",
        required=True,
        default=lambda self: self._default_document_ids(),
    )
    date = fields.Date(
        string="New date",
        required=True,
        default=fields.Date.context_today,
        help="The documents' breakdowns are computed again as of this date.",
    )

    @api.model
    def _default_document_ids(self):
        if self.env.context.get("active_model") != "postproduction.financial.document":
            return False
        return [fields.Command.set(self.env.context.get("active_ids") or [])]

    def action_apply(self):
        """Set the date on the documents; only planned and forecast total drafts accept it."""
        self.ensure_one()
        self.document_ids._set_date_in_bulk(self.date)
        return {"type": "ir.actions.act_window_close"}
