from random import randint

from odoo import fields, models


class PostproductionFinancialDocumentCategory(models.Model):
    """A tag sorting financial documents (licences, travel, subcontracting...)."""

    _name = "postproduction.financial.document.category"
    _description = "PostProduction financial document category"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer(default=lambda self: randint(1, 11))
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share the category between companies."
    )

    _sql_constraints = [
        ("name_uniq", "unique(name, company_id)", "A category with this name already exists."),
    ]
