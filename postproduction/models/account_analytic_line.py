from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_repr, format_date

VALIDATOR_GROUP = "postproduction.group_postproduction_timesheet_validator"


class AccountAnalyticLine(models.Model):
    """Timesheet approval, and attribution of timesheets to the deliveries' order lines."""

    _inherit = "account.analytic.line"

    approval_state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("validated", "Validated"),
            ("refused", "Refused"),
        ],
        string="Approval",
        default="draft",
        required=True,
        copy=False,
        index=True,
    )
    approval_user_id = fields.Many2one(
        "res.users", string="Validated by", copy=False, readonly=True
    )
    approval_date = fields.Datetime(string="Validated on", copy=False, readonly=True)
    postproduction_written_off = fields.Boolean(
        string="Written off",
        copy=False,
        readonly=True,
        help="Billed, then written off by a corrective invoice: non-chargeable, never "
        "invoiced again.",
    )
    postproduction_credit_move_id = fields.Many2one(
        "account.move",
        string="Credited by",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The credit note that returned this timesheet to invoice or wrote it off.",
    )

    # Fields a submitted or validated timesheet keeps until it is reset to draft.
    _APPROVAL_LOCKED_FIELDS = frozenset(
        {"date", "unit_amount", "project_id", "task_id", "employee_id"}
    )
    # Transitions: action -> (allowed from, to, validator only)
    _APPROVAL_TRANSITIONS = {
        "submit": (("draft", "refused"), "submitted", False),
        "validate": (("draft", "submitted"), "validated", True),
        "refuse": (("submitted", "validated"), "refused", True),
        "reset": (("submitted", "validated", "refused"), "draft", False),
    }

    def _auto_init(self):
        """Give the approval a database default: lines inserted without it (plain SQL, or
        Odoo's own modules upgraded before PostProduction is loaded) start as draft."""
        result = super()._auto_init()
        self.env.cr.execute(
            "ALTER TABLE account_analytic_line ALTER COLUMN approval_state SET DEFAULT 'draft'"
        )
        return result

    # ------------------------------------------------------------------ billing domain
    @api.model
    def _postproduction_billable_domain(self):
        """Timesheets that may be invoiced: validated ones where the company asks for it."""
        strict = (
            self.env["res.company"]
            .sudo()
            .search([("postproduction_validated_timesheets_only", "=", True)])
        )
        if not strict:
            return []
        return ["|", ("approval_state", "=", "validated"), ("company_id", "not in", strict.ids)]

    # ------------------------------------------------------------------ attribution
    @api.depends("date")
    def _compute_so_line(self):
        return super()._compute_so_line()

    def _timesheet_determine_sale_line(self):
        """The order line of the consultant's delivery on the project covering the date."""
        delivery = self._postproduction_delivery()
        if delivery.sale_line_id:
            return delivery.sale_line_id
        return super()._timesheet_determine_sale_line()

    def _postproduction_delivery(self):
        self.ensure_one()
        if not (self.project_id and self.employee_id and self.date):
            return self.env["postproduction.delivery"]
        # The project's deliveries are read for the whole prefetch set at once.
        return self.project_id.sudo().postproduction_delivery_ids.filtered(
            lambda d: (
                d.employee_id == self.employee_id
                and d.state != "draft"
                and d.date_start <= self.date <= d.date_end
            )
        )[:1]

    # ------------------------------------------------------------------ corrections
    @api.depends_context("postproduction_timesheet_label")
    def _compute_display_name(self):
        """Who, when and how long, to pick timesheets in a corrective invoice."""
        result = super()._compute_display_name()
        if self.env.context.get("postproduction_timesheet_label"):
            for line in self:
                date = format_date(self.env, line.date)
                hours = float_repr(line.unit_amount, 2)
                unit = line._postproduction_uom().name or ""
                line.display_name = f"{line.employee_id.name or ''} · {date} · {hours} {unit}"
        return result

    def _postproduction_take(self, quantity, uom):
        """The timesheets worth ``quantity`` in ``uom``, latest first.

        When the last one taken is worth more than what remains, it is split: the part
        taken becomes a timesheet of its own, so that exactly ``quantity`` is taken. Takes
        them all when they are worth less.
        """
        taken = self.browse()
        remaining = quantity
        for timesheet in self.sorted(lambda t: (t.date, t.id), reverse=True):
            if float_compare(remaining, 0.0, precision_rounding=uom.rounding) <= 0:
                break
            source_uom = timesheet._postproduction_uom()
            worth = timesheet._postproduction_worth(uom)
            if float_compare(worth, remaining, precision_rounding=uom.rounding) > 0:
                part = uom._compute_quantity(
                    remaining, source_uom, round=False, raise_if_failure=False
                )
                taken |= timesheet._postproduction_split(part)
                worth = remaining
            else:
                taken |= timesheet
            remaining -= worth
        return taken

    def _postproduction_uom(self):
        self.ensure_one()
        return self.product_uom_id or self.company_id.timesheet_encode_uom_id

    def _postproduction_worth(self, uom):
        """These timesheets' hours in ``uom``; units of another category count as they
        are, as Odoo counts them."""
        return sum(
            line._postproduction_uom()._compute_quantity(
                line.unit_amount, uom, round=False, raise_if_failure=False
            )
            for line in self
        )

    def _postproduction_split(self, part):
        """Split ``part`` (in the timesheet's unit) off this timesheet; returns the new one.

        Same consultant, date, task, order line, invoice and approval: only the hours are
        shared. A correction splits billed (and validated) timesheets, which neither Odoo
        nor the approval lets users change.
        """
        self.ensure_one()
        split = self.with_context(postproduction_timesheet_split=True).sudo()
        new = split.copy(
            {
                "unit_amount": part,
                "so_line": self.so_line.id,
                "timesheet_invoice_id": self.timesheet_invoice_id.id,
                "approval_state": self.approval_state,
                "approval_user_id": self.approval_user_id.id,
                "approval_date": self.approval_date,
            }
        )
        split.unit_amount = self.unit_amount - part
        return new.sudo(self.env.su)

    def _check_can_write(self, values):
        if self._postproduction_splitting():
            return None
        return super()._check_can_write(values)

    def _postproduction_splitting(self):
        """Whether this write is a correction's split (``_postproduction_split``): only ever
        in a superuser environment, which no RPC context can give."""
        return self.env.su and self.env.context.get("postproduction_timesheet_split")

    def _postproduction_time_off(self):
        """The time-off timesheets among these (project_timesheet_holidays): Odoo's Time
        Off application owns them, the approval never locks them. Odoo unlinks a moved
        leave's lines from it before deleting them: their time-off task still tells."""
        names = [name for name in ("holiday_id", "global_leave_id") if name in self._fields]
        if not names:
            return self.browse()
        return self.filtered(
            lambda line: any(line[name] for name in names) or line.sudo().task_id.is_timeoff_task
        )

    # ------------------------------------------------------------------ locking
    def _is_readonly(self):
        return super()._is_readonly() or self.approval_state in ("submitted", "validated")

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_timesheet_validator():
            for vals in vals_list:
                if vals.get("approval_state", "draft") != "draft":
                    raise AccessError(
                        self.env._("Only a timesheet validator can record an approved timesheet.")
                    )
        return super().create(vals_list)

    def write(self, vals):
        if "approval_state" in vals and not self._is_timesheet_validator():
            raise AccessError(
                self.env._(
                    "Use the Submit, Validate, Refuse and Reset to draft actions to change "
                    "the approval of a timesheet."
                )
            )
        if self._APPROVAL_LOCKED_FIELDS & set(vals):
            self._check_approval_unlocked()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._check_approval_unlocked()

    def _check_approval_unlocked(self):
        if self._postproduction_splitting():
            return
        locked = (
            self.filtered(
                lambda line: line.project_id and line.approval_state in ("submitted", "validated")
            )
            - self._postproduction_time_off()
        )
        if locked:
            line = locked[0]
            raise UserError(
                self.env._(
                    "The timesheet of %(employee)s on %(date)s (%(project)s) is %(state)s: "
                    "reset it to draft before changing it.",
                    employee=line.employee_id.name,
                    date=line.date,
                    project=line.project_id.display_name,
                    state=dict(self._fields["approval_state"]._description_selection(self.env))[
                        line.approval_state
                    ].lower(),
                )
            )

    # ------------------------------------------------------------------ approval
    def _is_timesheet_validator(self):
        return self.env.su or self.env.user.has_group(VALIDATOR_GROUP)

    def _approval_transition(self, action):
        """Move these timesheets through ``action``; refuses what the user may not do."""
        sources, target, validator_only = self._APPROVAL_TRANSITIONS[action]
        if not self:
            return True
        timesheets = self.filtered("project_id")
        if not timesheets:
            raise UserError(self.env._("Select timesheets: these lines are not timesheets."))
        validator = self._is_timesheet_validator()
        if validator_only and not validator:
            raise AccessError(
                self.env._("Only a timesheet validator can validate or refuse timesheets.")
            )
        if not validator:
            others = timesheets.filtered(lambda t: t.employee_id.user_id != self.env.user)
            if others or any(t.approval_state == "validated" for t in timesheets):
                raise AccessError(
                    self.env._(
                        "You can only submit or withdraw your own timesheets that are not "
                        "validated yet."
                    )
                )
        wrong = timesheets.filtered(lambda t: t.approval_state not in sources)
        if wrong:
            raise UserError(
                self.env._(
                    "%(count)s timesheet(s) cannot go to %(target)s from their current state, "
                    "for example %(employee)s on %(date)s.",
                    count=len(wrong),
                    target=dict(self._fields["approval_state"]._description_selection(self.env))[
                        target
                    ],
                    employee=wrong[0].employee_id.name,
                    date=wrong[0].date,
                )
            )
        billed = timesheets.filtered(lambda t: not t._is_not_billed())
        if billed and target in ("refused", "draft"):
            raise UserError(
                self.env._(
                    "Timesheet of %(employee)s on %(date)s is already invoiced: it can be "
                    "submitted and validated, not refused or reset to draft.",
                    employee=billed[0].employee_id.name,
                    date=billed[0].date,
                )
            )
        vals = {"approval_state": target}
        if target == "validated":
            vals.update(approval_user_id=self.env.user.id, approval_date=fields.Datetime.now())
        elif target == "draft":
            vals.update(approval_user_id=False, approval_date=False)
        # The rights were checked above: consultants move only their own lines, validators
        # any. Time-off lines follow their week, though Odoo lets no one but the system
        # write them.
        timesheets.sudo().write(vals)
        return True

    def action_submit(self):
        """Submit draft or refused timesheets for validation."""
        return self._approval_transition("submit")

    def action_validate(self):
        """Validate timesheets: they now count in the orders' delivered quantities."""
        return self._approval_transition("validate")

    def action_refuse(self):
        """Refuse timesheets: their consultant corrects and submits them again."""
        return self._approval_transition("refuse")

    def action_reset_to_draft(self):
        """Bring timesheets back to draft so that they can be changed."""
        return self._approval_transition("reset")
