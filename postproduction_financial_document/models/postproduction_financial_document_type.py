import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..calc import breakdown

CODE_PATTERN = re.compile(r"^[A-Z0-9_]+$")

REPRESENTATIONS = [
    ("target", "Target"),
    ("planned", "Planned"),
    ("estimated", "Estimated"),
    ("committed", "Committed"),
    ("completed", "Completed"),
    ("invoiced", "Invoiced"),
    ("forecast_total", "Forecast total"),
]
# the representations whose lines are broken down over the project's fiscal years
BREAKDOWN_REPRESENTATIONS = ("planned", "forecast_total")

BREAKDOWN_METHODS = [
    (breakdown.MANUAL, "Manual"),
    (breakdown.WORKING_DAYS, "Prorata of working days"),
    (breakdown.CALENDAR_DAYS, "Prorata of calendar days"),
    (breakdown.LAST_PERIOD, "All on the last year"),
    (breakdown.DUE_PERIODS, "Completed, then linear over the due years"),
    (breakdown.CURRENT_PERIOD, "Completed to date, then linear over the future years"),
]


def normalize_code(code):
    """A code as stored: stripped and upper-cased (``False`` when empty)."""
    return (code or "").strip().upper() or False


class PostproductionFinancialDocumentType(models.Model):
    """What a financial document is (invoice, quote, forecast...) and how it is coded."""

    _name = "postproduction.financial.document.type"
    _description = "PostProduction financial document type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Upper-case letters, digits and underscores; the prefix of automatic codes.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share the type between companies."
    )
    representation = fields.Selection(
        REPRESENTATIONS,
        required=True,
        default="invoiced",
        help="What the amounts of the documents of this type represent in the budget "
        "monitoring. Planned and forecast total documents are broken down over the "
        "project's fiscal years.",
    )
    is_breakdown = fields.Boolean(string="Broken down over years", compute="_compute_is_breakdown")
    default_breakdown_method = fields.Selection(
        BREAKDOWN_METHODS,
        default=breakdown.CALENDAR_DAYS,
        help="How the lines of new documents of this type are broken down over the "
        "project's fiscal years.",
    )
    allow_parent = fields.Boolean(
        string="May have a parent", help="Documents of this type may hang under another one."
    )
    parent_type_id = fields.Many2one(
        "postproduction.financial.document.type",
        string="Parent type",
        help="The type the parent document must have; leave empty to accept any type.",
    )
    automatic_coding = fields.Boolean(
        help="Documents saved without a code get the next code of the type's sequence."
    )
    sequence_id = fields.Many2one(
        "ir.sequence",
        string="Code sequence",
        copy=False,
        help="Created with the type when automatic coding is set; its prefix and padding "
        "may be changed, but a code only takes upper-case letters, digits and underscores.",
    )
    note = fields.Text(translate=True)
    document_count = fields.Integer(compute="_compute_document_count")

    _sql_constraints = [
        (
            "code_uniq",
            "unique(code)",
            "Another financial document type already has this code: choose another one.",
        ),
    ]

    @api.depends("representation")
    def _compute_is_breakdown(self):
        for doc_type in self:
            doc_type.is_breakdown = doc_type.representation in BREAKDOWN_REPRESENTATIONS

    def _compute_document_count(self):
        counts = dict(
            self.env["postproduction.financial.document"]._read_group(
                [("type_id", "in", self.ids)], ["type_id"], ["__count"]
            )
        )
        for doc_type in self:
            doc_type.document_count = counts.get(doc_type, 0)

    @api.constrains("code")
    def _check_code(self):
        for doc_type in self:
            if not CODE_PATTERN.match(doc_type.code or ""):
                raise ValidationError(
                    self.env._(
                        "The code “%(code)s” of document type %(name)s is not valid: use "
                        "only upper-case letters A-Z, digits and underscores, e.g. INV.",
                        code=doc_type.code,
                        name=doc_type.name,
                    )
                )

    @api.constrains("allow_parent", "parent_type_id")
    def _check_parent_type(self):
        for doc_type in self:
            if doc_type.parent_type_id and not doc_type.allow_parent:
                raise ValidationError(
                    self.env._(
                        "Document type %(name)s names a parent type but does not allow "
                        "parents: tick “May have a parent” or clear the parent type.",
                        name=doc_type.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "code" in vals:
                vals["code"] = normalize_code(vals["code"])
        types = super().create(vals_list)
        types._ensure_sequence()
        return types

    def write(self, vals):
        if "code" in vals:
            vals["code"] = normalize_code(vals["code"])
        result = super().write(vals)
        if vals.get("automatic_coding"):
            self._ensure_sequence()
        return result

    def _prepare_sequence_values(self):
        self.ensure_one()
        return {
            "name": self.env._("Financial documents %(type)s", type=self.name),
            "implementation": "no_gap",
            "prefix": f"{self.code}_",
            "padding": 5,
            "company_id": self.company_id.id,
        }

    def _ensure_sequence(self):
        """Create the code sequence of the automatically coded types that have none."""
        for doc_type in self.filtered(lambda t: t.automatic_coding and not t.sequence_id):
            sequence = self.env["ir.sequence"].sudo().create(doc_type._prepare_sequence_values())
            doc_type.sudo().sequence_id = sequence

    def _next_code(self, date=None):
        """The next code of this type's sequence (consumes it)."""
        self.ensure_one()
        self._ensure_sequence()
        return normalize_code(self.sequence_id.sudo().next_by_id(sequence_date=date))
