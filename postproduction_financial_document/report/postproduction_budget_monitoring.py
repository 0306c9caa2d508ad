from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.postproduction_financial_document_type import REPRESENTATIONS


class PostproductionBudgetMonitoring(models.Model):
    """Budget monitoring: the amounts of financial documents per project, fiscal year
    and representation.

    A line of a planned or forecast total document gives one row per fiscal year of its
    breakdown (and one row without year for its deviation, if any); any other line gives
    one row on the fiscal year of its document's date.
    """

    _name = "postproduction.budget.monitoring"
    _description = "PostProduction budget monitoring"
    _auto = False
    _order = "project_id, fiscal_year, representation"
    _rec_name = "fiscal_year"
    _depends = {
        "postproduction.financial.document": ["milestone_id"],
        "postproduction.financial.document.line": [
            "document_id",
            "project_id",
            "analytic_account_id",
            "type_id",
            "date",
            "state",
            "representation",
            "is_breakdown",
            "amount",
            "deviation",
            "company_id",
        ],
        "postproduction.financial.document.line.year": ["line_id", "year", "amount"],
        "project.project": ["partner_id"],
        "res.company": ["currency_id", "fiscalyear_last_day", "fiscalyear_last_month"],
    }

    fiscal_year = fields.Char(readonly=True, help="Named by the calendar year it ends in.")
    representation = fields.Selection(REPRESENTATIONS, readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    project_id = fields.Many2one("project.project", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Budget", readonly=True
    )
    document_id = fields.Many2one("postproduction.financial.document", readonly=True)
    type_id = fields.Many2one(
        "postproduction.financial.document.type", string="Document type", readonly=True
    )
    milestone_id = fields.Many2one("project.milestone", string="Phase", readonly=True)
    date = fields.Date(string="Document date", readonly=True)
    state = fields.Selection(
        [("draft", "Draft"), ("validated", "Validated")], string="Status", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)

    def _query(self):
        return """
            WITH line AS (
                SELECT l.id, l.document_id, l.project_id, p.partner_id,
                       l.analytic_account_id, l.type_id, d.milestone_id, l.date, l.state,
                       l.representation, l.is_breakdown, l.amount, l.deviation,
                       l.company_id, c.currency_id,
                       EXTRACT(YEAR FROM l.date)::int + CASE
                           WHEN EXTRACT(MONTH FROM l.date)::int > c.fiscalyear_last_month::int
                             OR (EXTRACT(MONTH FROM l.date)::int = c.fiscalyear_last_month::int
                                 AND EXTRACT(DAY FROM l.date)::int > c.fiscalyear_last_day)
                           THEN 1 ELSE 0 END AS fiscal_year
                  FROM postproduction_financial_document_line l
                  JOIN postproduction_financial_document d ON d.id = l.document_id
                  JOIN project_project p ON p.id = l.project_id
                  JOIN res_company c ON c.id = l.company_id
            )
            SELECT line.id * 4 AS id, line.fiscal_year::varchar AS fiscal_year,
                   line.amount, line.document_id, line.project_id, line.partner_id,
                   line.analytic_account_id, line.type_id, line.milestone_id, line.date,
                   line.state, line.representation, line.company_id, line.currency_id
              FROM line
             WHERE NOT COALESCE(line.is_breakdown, FALSE)
            UNION ALL
            SELECT y.id * 4 + 1, y.year::varchar,
                   y.amount, line.document_id, line.project_id, line.partner_id,
                   line.analytic_account_id, line.type_id, line.milestone_id, line.date,
                   line.state, line.representation, line.company_id, line.currency_id
              FROM postproduction_financial_document_line_year y
              JOIN line ON line.id = y.line_id
             WHERE line.is_breakdown
            UNION ALL
            SELECT line.id * 4 + 2, NULL,
                   line.deviation, line.document_id, line.project_id, line.partner_id,
                   line.analytic_account_id, line.type_id, line.milestone_id, line.date,
                   line.state, line.representation, line.company_id, line.currency_id
              FROM line
             WHERE line.is_breakdown AND COALESCE(line.deviation, 0) != 0
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(self._query())
            )
        )
