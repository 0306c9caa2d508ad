from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.postproduction.calc.periods import month_end

from ..calc import breakdown
from .postproduction_financial_document_type import (
    BREAKDOWN_REPRESENTATIONS,
    CODE_PATTERN,
    normalize_code,
)

STATUS_GROUP = "postproduction_financial_document.group_postproduction_financial_status_manager"


class PostproductionFinancialDocument(models.Model):
    """An invoice, quote, commitment or forecast of a project, with one line per budget.

    Planned and forecast total documents break each line down over the fiscal years of
    the project, as of the document's date. A validated document is frozen.
    """

    _name = "postproduction.financial.document"
    _description = "PostProduction financial document"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "code"]

    name = fields.Char(required=True, tracking=True, index="trigram")
    code = fields.Char(
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Upper-case letters, digits and underscores, unique in the company. Left empty, "
        "it is given by the type's sequence when the type has automatic coding.",
    )
    label = fields.Char()
    description = fields.Text()
    type_id = fields.Many2one(
        "postproduction.financial.document.type",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        check_company=True,
    )
    representation = fields.Selection(related="type_id.representation", store=True, index=True)
    is_breakdown = fields.Boolean(related="type_id.is_breakdown")
    allow_parent = fields.Boolean(related="type_id.allow_parent")
    parent_type_id = fields.Many2one(related="type_id.parent_type_id")
    parent_id = fields.Many2one(
        "postproduction.financial.document",
        string="Parent document",
        index="btree_not_null",
        check_company=True,
        domain="[('project_id', '=', project_id), ('id', '!=', id)]",
    )
    child_ids = fields.One2many(
        "postproduction.financial.document", "parent_id", string="Child documents"
    )
    category_ids = fields.Many2many(
        "postproduction.financial.document.category",
        "postproduction_financial_document_category_rel",
        "document_id",
        "category_id",
        string="Categories",
        check_company=True,
    )
    project_id = fields.Many2one(
        "project.project", required=True, index=True, tracking=True, check_company=True
    )
    milestone_id = fields.Many2one(
        "project.milestone",
        string="Phase",
        index="btree_not_null",
        domain="[('project_id', '=', project_id)]",
    )
    date = fields.Date(
        required=True,
        index=True,
        tracking=True,
        default=fields.Date.context_today,
        help="When the document was validated (signed, issued, established). Forecasts "
        "are broken down as of this date. A date in a future month is refused.",
    )
    partner_ref = fields.Char(
        string="Customer reference", help="The customer's reference, to rebill the document."
    )
    vendor_ref = fields.Char(
        string="Vendor reference", help="The vendor's reference of the document (bill, quote)."
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "postproduction_financial_document_attachment_rel",
        "document_id",
        "attachment_id",
        string="Attachments",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("validated", "Validated")],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    line_ids = fields.One2many(
        "postproduction.financial.document.line", "document_id", string="Lines", copy=True
    )
    year_ids = fields.One2many(
        "postproduction.financial.document.line.year",
        "document_id",
        string="Breakdown by year",
        readonly=True,
    )
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True, currency_field="currency_id"
    )
    has_deviation = fields.Boolean(
        compute="_compute_amounts",
        store=True,
        help="A line's years do not sum to its amount.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(company_id, code)",
            "Another financial document of the company already has this code: choose "
            "another code, or leave it empty to get the next code of the type.",
        ),
    ]

    # fields a validated document still accepts (status, chatter)
    _UNLOCKED_FIELDS = frozenset({"state", "message_main_attachment_id"})
    _UNLOCKED_PREFIXES = ("message_", "activity_")

    # ------------------------------------------------------------------ computes
    @api.depends("project_id")
    def _compute_company_id(self):
        for document in self.filtered("project_id.company_id"):
            document.company_id = document.project_id.company_id

    @api.depends("line_ids.amount", "line_ids.deviation")
    def _compute_amounts(self):
        for document in self:
            document.amount_total = sum(document.line_ids.mapped("amount"))
            document.has_deviation = any(
                not document.currency_id.is_zero(line.deviation) for line in document.line_ids
            )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for document in self:
            document.display_name = (
                f"[{document.code}] {document.name}" if document.code else document.name
            )

    @api.onchange("code")
    def _onchange_code(self):
        if self.code:
            self.code = normalize_code(self.code)

    @api.onchange("project_id")
    def _onchange_project_id(self):
        if self.milestone_id.project_id != self.project_id:
            self.milestone_id = False

    # ------------------------------------------------------------------ constraints
    @api.constrains("code")
    def _check_code(self):
        for document in self.filtered("code"):
            if not CODE_PATTERN.match(document.code):
                raise ValidationError(
                    self.env._(
                        "The code “%(code)s” of financial document %(name)s is not valid: a "
                        "code is made of upper-case letters A-Z, digits and underscores only, "
                        "e.g. INV_2024_001. When it comes from the type's sequence, fix the "
                        "prefix of that sequence.",
                        code=document.code,
                        name=document.name,
                    )
                )

    @api.constrains("date")
    def _check_date_not_in_future_month(self):
        last_day = month_end(fields.Date.context_today(self))
        for document in self.filtered(lambda d: d.date > last_day):
            raise ValidationError(
                self.env._(
                    "Financial document %(name)s is dated %(date)s, in a future month: a "
                    "document is dated when it is validated, at the latest on %(last)s.",
                    name=document.display_name,
                    date=document.date,
                    last=last_day,
                )
            )

    @api.constrains("parent_id", "type_id", "project_id")
    def _check_parent(self):
        for document in self.filtered("parent_id"):
            document._check_parent_allowed()
        if self._has_cycle("parent_id"):
            raise ValidationError(
                self.env._("A financial document cannot be its own parent, even indirectly.")
            )

    def _check_parent_allowed(self):
        self.ensure_one()
        parent, doc_type = self.parent_id, self.type_id
        if not doc_type.allow_parent:
            raise ValidationError(
                self.env._(
                    "Documents of type %(type)s have no parent: clear the parent of "
                    "%(name)s, or allow parents on the type.",
                    type=doc_type.name,
                    name=self.display_name,
                )
            )
        if doc_type.parent_type_id and parent.type_id != doc_type.parent_type_id:
            raise ValidationError(
                self.env._(
                    "The parent of %(name)s must be a document of type %(allowed)s; "
                    "%(parent)s is of type %(type)s.",
                    name=self.display_name,
                    allowed=doc_type.parent_type_id.name,
                    parent=parent.display_name,
                    type=parent.type_id.name,
                )
            )
        if parent.project_id != self.project_id:
            raise ValidationError(
                self.env._(
                    "The parent of %(name)s, %(parent)s, belongs to project %(other)s: a "
                    "parent must be on the same project, %(project)s.",
                    name=self.display_name,
                    parent=parent.display_name,
                    other=parent.project_id.display_name,
                    project=self.project_id.display_name,
                )
            )

    @api.constrains("milestone_id", "project_id")
    def _check_milestone(self):
        for document in self.filtered("milestone_id"):
            if document.milestone_id.project_id != document.project_id:
                raise ValidationError(
                    self.env._(
                        "Phase %(phase)s belongs to project %(other)s, not to %(project)s, "
                        "the project of %(name)s.",
                        phase=document.milestone_id.name,
                        other=document.milestone_id.project_id.display_name,
                        project=document.project_id.display_name,
                        name=document.display_name,
                    )
                )

    @api.constrains("type_id", "project_id")
    def _check_project_dates(self):
        for document in self.filtered(lambda d: d.representation in BREAKDOWN_REPRESENTATIONS):
            project = document.project_id
            if not (project.date_start and project.date):
                raise ValidationError(
                    self.env._(
                        "Set the start and end dates of project %(project)s: the lines of "
                        "%(name)s are broken down over the project's fiscal years.",
                        project=project.display_name,
                        name=document.display_name,
                    )
                )

    @api.constrains("attachment_ids", "company_id")
    def _check_attachment_size(self):
        for document in self:
            document.attachment_ids._postproduction_check_size(document.company_id)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        states = []
        for vals in vals_list:
            if "code" in vals:
                vals["code"] = normalize_code(vals["code"])
            states.append(vals.pop("state", "draft"))
        documents = super().create(vals_list)
        documents._assign_codes()
        validated = [
            doc.id for doc, state in zip(documents, states, strict=True) if state != "draft"
        ]
        if validated:
            self.browse(validated).write({"state": "validated"})
        return documents

    def write(self, vals):
        if "code" in vals:
            vals["code"] = normalize_code(vals["code"])
        if "state" in vals:
            self._check_state_right()
        self._check_unlocked(vals)
        if vals.get("state") == "validated":
            # breakdowns pending computation are computed before they are frozen
            self.line_ids._recompute_recordset(["year_ids"])
        result = super().write(vals)
        if {"code", "type_id"} & set(vals):
            self._assign_codes()
        if "state" in vals:
            self._recompute_dependent_breakdowns()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_validated(self):
        self._raise_if_validated(self.env._("deleted"))

    def _check_unlocked(self, vals):
        """Refuse to change validated documents (their status and chatter excepted)."""
        locked_fields = [
            fname
            for fname in vals
            if fname not in self._UNLOCKED_FIELDS and not fname.startswith(self._UNLOCKED_PREFIXES)
        ]
        if not locked_fields or vals.get("state") == "draft":
            return
        self._raise_if_validated(self.env._("modified"))

    def _raise_if_validated(self, what):
        validated = self.filtered(lambda d: d.state == "validated")
        if validated:
            raise UserError(
                self.env._(
                    "Financial document %(names)s is validated and cannot be %(what)s: a "
                    "status manager must reset it to draft first.",
                    names=", ".join(validated.mapped("display_name")),
                    what=what,
                )
            )

    def _check_state_right(self):
        if self.env.su or self.env.user.has_group(STATUS_GROUP):
            return
        raise AccessError(
            self.env._(
                "Only the members of the group “Financial document status manager” can "
                "validate financial documents or reset them to draft (%(names)s).",
                names=", ".join(self.mapped("display_name")),
            )
        )

    def _assign_codes(self):
        """Give the documents without code the next code of their type, when it codes them."""
        for document in self.filtered(
            lambda d: not d.code and d.type_id.automatic_coding and d.state == "draft"
        ):
            document.code = document.type_id._next_code(document.date)

    def _recompute_dependent_breakdowns(self):
        """Recompute the draft breakdowns that take these completed documents' amounts."""
        completed = self.filtered(lambda d: d.representation == "completed")
        if not completed:
            return
        lines = self.env["postproduction.financial.document.line"].search(
            [
                ("project_id", "in", completed.project_id.ids),
                ("analytic_account_id", "in", completed.line_ids.analytic_account_id.ids),
                ("state", "=", "draft"),
                ("breakdown_method", "in", breakdown.COMPLETED_METHODS),
            ]
        )
        lines._recompute_breakdown()

    # ------------------------------------------------------------------ actions
    def action_validate(self):
        """Validate draft documents: they are frozen from now on."""
        self._check_state_right()
        empty = self.filtered(lambda d: not d.line_ids)
        if empty:
            raise UserError(
                self.env._(
                    "Add at least one line (a budget and its amount) to %(names)s before "
                    "validating it.",
                    names=", ".join(empty.mapped("display_name")),
                )
            )
        self.filtered(lambda d: d.state == "draft").write({"state": "validated"})
        return True

    def action_reset_to_draft(self):
        """Put validated documents back to draft, so that they can be changed."""
        self._check_state_right()
        self.filtered(lambda d: d.state == "validated").write({"state": "draft"})
        return True

    def action_open_date_wizard(self):
        """Open the wizard changing the date of these documents."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction_financial_document.action_postproduction_financial_document_date_wizard"
        )
        action["context"] = {"active_model": self._name, "active_ids": self.ids}
        return action

    def _set_date_in_bulk(self, date):
        """Change the date of planned and forecast total documents (their breakdowns follow).

        Documents of other representations, and validated documents, are refused.
        """
        others = self.filtered(lambda d: d.representation not in BREAKDOWN_REPRESENTATIONS)
        if others:
            raise UserError(
                self.env._(
                    "Only the date of planned and forecast total documents can be changed in "
                    "bulk. Remove these documents from the selection: %(names)s.",
                    names=", ".join(others.mapped("display_name")),
                )
            )
        self._raise_if_validated(self.env._("modified"))
        self.write({"date": date})
        return True
