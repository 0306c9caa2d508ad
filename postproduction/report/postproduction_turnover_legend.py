from odoo import api, fields, models

from ..calc import diagnosis, statuses


class PostproductionTurnoverLegend(models.TransientModel):
    """The legend of the dashboard: each status, what it means and how to fix it."""

    _name = "postproduction.turnover.legend"
    _description = "PostProduction dashboard legend"

    legend = fields.Html(default=lambda self: self._default_legend(), sanitize=False)

    @api.model
    def _default_legend(self):
        """The statuses in their order of precedence, with their icon, label and fix."""
        turnover = self.env["postproduction.turnover"]
        labels = dict(turnover._fields["status"]._description_selection(self.env))
        explanations = turnover._get_status_explanations()
        rows = [
            (labels[status], explanations[status], statuses.STATUS[status].icon)
            for status in diagnosis.STATUSES
        ]
        return self.env["ir.qweb"]._render(
            "postproduction.postproduction_turnover_legend_table",
            {"rows": rows, "company": self.env.company},
        )
