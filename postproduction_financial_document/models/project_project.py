from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    postproduction_financial_document_ids = fields.One2many(
        "postproduction.financial.document", "project_id", string="Financial documents"
    )
    postproduction_financial_document_count = fields.Integer(
        string="Financial document count",
        compute="_compute_postproduction_financial_document_count",
    )

    def _compute_postproduction_financial_document_count(self):
        counts = dict(
            self.env["postproduction.financial.document"]._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["__count"]
            )
        )
        for project in self:
            project.postproduction_financial_document_count = counts.get(project, 0)

    def action_view_postproduction_financial_documents(self):
        """The financial documents of this project, new ones created on it."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction_financial_document.action_postproduction_financial_document"
        )
        action["domain"] = [("project_id", "=", self.id)]
        action["context"] = {"default_project_id": self.id}
        return action

    def action_view_postproduction_budget_monitoring(self):
        """The budget monitoring of this project."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction_financial_document.action_postproduction_budget_monitoring"
        )
        action["domain"] = [("project_id", "=", self.id)]
        return action
