from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from odoo.addons.postproduction.calc.periods import fiscal_year_of

from ..calc import breakdown
from .postproduction_financial_document_type import (
    BREAKDOWN_METHODS,
    BREAKDOWN_REPRESENTATIONS,
)


class PostproductionFinancialDocumentLine(models.Model):
    """The amount of a financial document on one budget (an analytic account).

    On planned and forecast total documents, the amount is broken down over the fiscal
    years of the project (``year_ids``) by the line's method.
    """

    _name = "postproduction.financial.document.line"
    _description = "PostProduction financial document line"
    _order = "document_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    document_id = fields.Many2one(
        "postproduction.financial.document",
        required=True,
        index=True,
        ondelete="cascade",
    )
    name = fields.Char(string="Label")
    project_id = fields.Many2one(related="document_id.project_id", store=True, index=True)
    company_id = fields.Many2one(related="document_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="document_id.currency_id")
    date = fields.Date(related="document_id.date", store=True)
    state = fields.Selection(related="document_id.state", store=True, index=True)
    type_id = fields.Many2one(related="document_id.type_id", store=True)
    representation = fields.Selection(
        related="document_id.type_id.representation", store=True, index=True
    )
    is_breakdown = fields.Boolean(
        string="Broken down over years",
        compute="_compute_is_breakdown",
        store=True,
        precompute=True,
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        string="Budget",
        required=True,
        index=True,
        compute="_compute_analytic_account_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        help="The analytic account of the budget; the project's by default.",
    )
    amount = fields.Monetary(required=True, currency_field="currency_id")
    breakdown_method = fields.Selection(
        BREAKDOWN_METHODS,
        compute="_compute_breakdown_method",
        store=True,
        readonly=False,
        precompute=True,
        help="How the amount is spread over the project's fiscal years:\n"
        "- Manual: typed per year;\n"
        "- Prorata of working days / calendar days within the project's dates;\n"
        "- All on the last year;\n"
        "- Completed, then linear over the due years: past years take the completed "
        "amounts of the budget, the rest goes to the current and future years by "
        "calendar days;\n"
        "- Completed to date, then linear over the future years: past years and the "
        "current year take the completed amounts, the rest goes to the future years.\n"
        "The current year is the one of the document's date.",
    )
    year_ids = fields.One2many(
        "postproduction.financial.document.line.year",
        "line_id",
        string="Years",
        compute="_compute_year_ids",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
    )
    breakdown_summary = fields.Char(
        string="Breakdown", compute="_compute_breakdown_summary", help="The amount of each year."
    )
    deviation = fields.Monetary(
        compute="_compute_deviation",
        store=True,
        currency_field="currency_id",
        help="The amount minus the sum of its years: not zero when typed years do not "
        "cover the amount.",
    )

    _sql_constraints = [
        (
            "budget_uniq",
            "unique(document_id, analytic_account_id)",
            "A financial document has one line per budget: merge the lines of the same "
            "analytic account.",
        ),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("document_id.type_id.representation")
    def _compute_is_breakdown(self):
        for line in self:
            line.is_breakdown = line.document_id.type_id.representation in BREAKDOWN_REPRESENTATIONS

    @api.depends("document_id.project_id")
    def _compute_analytic_account_id(self):
        for line in self.filtered(lambda ln: not ln.analytic_account_id):
            line.analytic_account_id = line.document_id.project_id.account_id

    @api.depends("is_breakdown")
    def _compute_breakdown_method(self):
        for line in self:
            if not line.is_breakdown:
                line.breakdown_method = False
            elif not line.breakdown_method:
                line.breakdown_method = (
                    line.document_id.type_id.default_breakdown_method or breakdown.CALENDAR_DAYS
                )

    @api.depends(
        "amount",
        "is_breakdown",
        "breakdown_method",
        "analytic_account_id",
        "document_id.date",
        "document_id.project_id.date_start",
        "document_id.project_id.date",
        "document_id.company_id.fiscalyear_last_day",
        "document_id.company_id.fiscalyear_last_month",
    )
    def _compute_year_ids(self):
        # a validated document keeps its breakdown as it was validated
        lines = self.filtered(lambda ln: ln.document_id.state != "validated")
        completed = lines._get_completed_amounts()
        working_days = {}
        for line in lines:
            commands = line._prepare_year_commands(line._breakdown(completed, working_days))
            if commands:
                line.year_ids = commands

    @api.depends("amount", "is_breakdown", "year_ids.amount")
    def _compute_deviation(self):
        for line in self:
            if line.is_breakdown:
                rounding = line.currency_id.rounding or 0.01
                line.deviation = breakdown.deviation(
                    line.amount, line.year_ids.mapped("amount"), rounding
                )
            else:
                line.deviation = 0.0

    @api.depends("year_ids.amount", "year_ids.year")
    def _compute_breakdown_summary(self):
        for line in self:
            line.breakdown_summary = " · ".join(
                "%s: %s" % (year.year, formatLang(self.env, year.amount, digits=2))
                for year in line.year_ids.sorted("year")
            )

    # ------------------------------------------------------------------ breakdown
    def _fiscal_year_end(self):
        return (self.company_id or self.env.company)._postproduction_fiscal_year_end()

    def _breakdown(self, completed, working_days):
        """The (year, first day, last day, amount) rows of this line's breakdown.

        ``completed`` is what ``_get_completed_amounts`` returns; ``working_days`` a
        cache of the company's worked dates. No row when the line is not broken down or
        its project has no dates (the deviation then shows the whole amount).
        """
        self.ensure_one()
        project = self.document_id.project_id
        if not self.is_breakdown or not (project.date_start and project.date):
            return []
        if project.date < project.date_start:
            return []
        method = self.breakdown_method or breakdown.CALENDAR_DAYS
        last_day, last_month = self._fiscal_year_end()
        try:
            return breakdown.breakdown(
                self.amount,
                project.date_start,
                project.date,
                method,
                today=self.document_id.date,
                completed=completed.get(self._completed_key(), {}),
                manual={year.year: year.amount for year in self.year_ids},
                is_working_day=self._working_day_checker(working_days)
                if method == breakdown.WORKING_DAYS
                else None,
                last_day=last_day,
                last_month=last_month,
                rounding=self.currency_id.rounding or 0.01,
            )
        except breakdown.SplitError as error:
            raise UserError(self._breakdown_error_message(error)) from error

    def _breakdown_error_message(self, error):
        project = self.document_id.project_id
        if self.breakdown_method == breakdown.WORKING_DAYS:
            return self.env._(
                "Project %(project)s has no working day between %(start)s and %(end)s: "
                "choose another breakdown method for the line %(budget)s of %(document)s.",
                project=project.display_name,
                start=project.date_start,
                end=project.date,
                budget=self.analytic_account_id.display_name,
                document=self.document_id.display_name,
            )
        return self.env._(
            "The line %(budget)s of %(document)s cannot be broken down: %(error)s",
            budget=self.analytic_account_id.display_name,
            document=self.document_id.display_name,
            error=error,
        )

    def _working_day_checker(self, cache):
        """``is_working_day(date)`` for the project of this line, from its company."""
        project = self.document_id.project_id
        company = self.company_id or self.env.company
        key = (company.id, project.date_start, project.date)
        if key not in cache:
            cache[key] = company._postproduction_working_days(project.date_start, project.date)
        return cache[key].__contains__

    def _completed_key(self):
        return (
            self.document_id.project_id.id,
            self.analytic_account_id.id,
            self.document_id.date,
        )

    def _get_completed_amounts(self):
        """Completed amounts of the budgets of these lines, by fiscal year, to date.

        Returns ``{(project id, analytic account id, date): {fiscal year: amount}}``:
        the lines of validated ``completed`` documents of the same project and analytic
        account, dated at the latest on ``date`` (the date of the line's document), summed
        by fiscal year of their document's date. One query for all the lines.
        """
        lines = self.filtered(
            lambda ln: ln.is_breakdown and ln.breakdown_method in breakdown.COMPLETED_METHODS
        )
        if not lines:
            return {}
        groups = self.env["postproduction.financial.document.line"]._read_group(
            [
                ("representation", "=", "completed"),
                ("state", "=", "validated"),
                ("project_id", "in", lines.document_id.project_id.ids),
                ("analytic_account_id", "in", lines.analytic_account_id.ids),
                ("date", "<=", max(lines.mapped("document_id.date"))),
            ],
            ["project_id", "analytic_account_id", "company_id", "date:day"],
            ["amount:sum"],
        )
        result = {}
        for line in lines:
            key = line._completed_key()
            if key in result:
                continue
            by_year = defaultdict(float)
            for project, account, company, day, amount in groups:
                if (project.id, account.id) == key[:2] and day <= key[2]:
                    by_year[fiscal_year_of(day, *company._postproduction_fiscal_year_end())] += (
                        amount
                    )
            result[key] = dict(by_year)
        return result

    def _prepare_year_commands(self, rows):
        """Commands turning ``year_ids`` into ``rows``, keeping the years that stay."""
        self.ensure_one()
        existing = {year.year: year for year in self.year_ids}
        commands = []
        for year, first, last, amount in rows:
            values = {"date_start": first, "date_end": last, "amount": amount}
            record = existing.pop(year, None)
            if record is None:
                commands.append(Command.create({"year": year, **values}))
            elif (
                record.date_start != first
                or record.date_end != last
                or self.currency_id.compare_amounts(record.amount, amount)
            ):
                commands.append(Command.update(record.id, values))
        commands += [Command.delete(record.id) for record in existing.values()]
        return commands

    def _recompute_breakdown(self):
        """Mark the breakdown of these lines to be computed again (at the next flush)."""
        self.env.add_to_compute(self._fields["year_ids"], self)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        document_ids = {vals.get("document_id") for vals in vals_list}
        self.env["postproduction.financial.document"].browse(
            [doc_id for doc_id in document_ids if doc_id]
        )._raise_if_validated(self.env._("changed"))
        return super().create(vals_list)

    def write(self, vals):
        documents = self.document_id
        if vals.get("document_id"):
            documents |= self.env["postproduction.financial.document"].browse(vals["document_id"])
        documents._raise_if_validated(self.env._("changed"))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_validated(self):
        self.document_id._raise_if_validated(self.env._("changed"))
