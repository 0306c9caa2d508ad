from odoo import fields, models


class PostproductionProjectType(models.Model):
    _name = "postproduction.project.type"
    _description = "PostProduction project type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the type between companies."
    )
    project_count = fields.Integer(compute="_compute_project_count")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "The code of a project type must be unique.",
        ),
    ]

    def _compute_project_count(self):
        counts = dict(
            self.env["project.project"]._read_group(
                [("postproduction_type_id", "in", self.ids)],
                ["postproduction_type_id"],
                ["__count"],
            )
        )
        for project_type in self:
            project_type.project_count = counts.get(project_type, 0)
