from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    postproduction_period = fields.Date(
        string="Billed month",
        copy=False,
        help="First day of the month this invoice bills. The PostProduction dashboard "
        "counts the invoice in that month; when empty, in the month of its invoice date.",
    )
