from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    postproduction_attachment_max_size = fields.Integer(
        string="Maximum size of a financial document attachment (MB)",
        default=500,
        help="Files attached to a financial document may not be larger than this.",
    )

    _sql_constraints = [
        (
            "postproduction_attachment_max_size_positive",
            "CHECK(postproduction_attachment_max_size > 0)",
            "The maximum size of a financial document attachment must be positive.",
        ),
    ]

    def _postproduction_fiscal_year_end(self):
        """(last day, last month) of the company's fiscal year, as numbers."""
        self.ensure_one()
        return self.fiscalyear_last_day or 31, int(self.fiscalyear_last_month or 12)
