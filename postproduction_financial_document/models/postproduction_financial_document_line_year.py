from odoo import api, fields, models


class PostproductionFinancialDocumentLineYear(models.Model):
    """The part of a financial document line's amount on one fiscal year of the project."""

    _name = "postproduction.financial.document.line.year"
    _description = "PostProduction financial document line: fiscal year"
    _order = "line_id, year"

    line_id = fields.Many2one(
        "postproduction.financial.document.line",
        required=True,
        index=True,
        ondelete="cascade",
    )
    document_id = fields.Many2one(related="line_id.document_id", store=True, index=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="line_id.currency_id")
    year = fields.Integer(
        string="Fiscal year",
        required=True,
        help="Named by the calendar year it ends in.",
    )
    date_start = fields.Date(string="From", help="The first day of the year within the project.")
    date_end = fields.Date(string="To", help="The last day of the year within the project.")
    amount = fields.Monetary(currency_field="currency_id")

    _sql_constraints = [
        ("line_year_uniq", "unique(line_id, year)", "A line has one amount per fiscal year."),
    ]

    @api.depends("year")
    def _compute_display_name(self):
        for year in self:
            year.display_name = str(year.year)

    @api.model_create_multi
    def create(self, vals_list):
        line_ids = {vals.get("line_id") for vals in vals_list}
        self.env["postproduction.financial.document.line"].browse(
            [line_id for line_id in line_ids if line_id]
        ).document_id._raise_if_validated(self.env._("changed"))
        return super().create(vals_list)

    def write(self, vals):
        self.document_id._raise_if_validated(self.env._("changed"))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_validated(self):
        self.document_id._raise_if_validated(self.env._("changed"))
