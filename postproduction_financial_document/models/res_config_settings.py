from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    postproduction_attachment_max_size = fields.Integer(
        related="company_id.postproduction_attachment_max_size", readonly=False
    )
