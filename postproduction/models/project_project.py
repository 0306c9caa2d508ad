from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    postproduction_type_id = fields.Many2one(
        "postproduction.project.type",
        string="Project type",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    postproduction_delivery_ids = fields.One2many(
        "postproduction.delivery", "project_id", string="Deliveries"
    )
    postproduction_delivery_count = fields.Integer(
        string="Delivery count", compute="_compute_postproduction_delivery_count"
    )

    def _compute_postproduction_delivery_count(self):
        counts = dict(
            self.env["postproduction.delivery"]._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["__count"]
            )
        )
        for project in self:
            project.postproduction_delivery_count = counts.get(project, 0)

    def action_view_postproduction_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_delivery"
        )
        action["domain"] = [("project_id", "=", self.id)]
        action["context"] = {"default_project_id": self.id}
        return action
