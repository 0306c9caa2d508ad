from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import float_round

from ..calc import periods

MANAGER_GROUP = "postproduction.group_postproduction_manager"
STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("signed", "Signed"),
    ("contested", "Contested"),
]
SIGNOFF = [("none", "None"), ("required", "Required")]
# Changing one of these on a timesheet of a signed month changes what the customer signed.
SIGNED_FIELDS = frozenset(
    {"date", "unit_amount", "project_id", "task_id", "employee_id", "so_line", "approval_state"}
)


class PostproductionActivityStatement(models.Model):
    """The month's activity statement of an order (the French *CRA*): the timesheets the
    month's invoice will bill, per consultant and day, that the customer signs online
    (or contests) through its portal link, without an account."""

    _name = "postproduction.activity.statement"
    _description = "PostProduction activity statement"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "period desc, id desc"

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    order_id = fields.Many2one("sale.order", required=True, readonly=True, index=True)
    period = fields.Date(string="Month", required=True, readonly=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer", store=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    client_order_ref = fields.Char(related="order_id.client_order_ref")
    state = fields.Selection(STATES, required=True, default="draft", readonly=True, tracking=True)
    line_ids = fields.One2many(
        "postproduction.activity.statement.line",
        "statement_id",
        string="Days worked",
        readonly=True,
    )
    quantity_total = fields.Float(
        string="Days", compute="_compute_totals", store=True, digits="Product Unit of Measure"
    )
    amount_total = fields.Monetary(string="Untaxed amount", compute="_compute_totals", store=True)
    sent_date = fields.Date(readonly=True, copy=False)
    reminder_date = fields.Date(string="Last reminder", readonly=True, copy=False)
    signed_by = fields.Char(readonly=True, copy=False)
    signed_on = fields.Datetime(readonly=True, copy=False)
    signature = fields.Image(readonly=True, copy=False, attachment=True, max_width=1024)
    signed_pdf_id = fields.Many2one(
        "ir.attachment", string="Signed statement", readonly=True, copy=False
    )
    contest_comment = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        (
            "order_period_uniq",
            "UNIQUE(order_id, period)",
            "An order has one activity statement per month.",
        ),
    ]

    @api.depends("line_ids.quantity", "line_ids.amount")
    def _compute_totals(self):
        for statement in self:
            statement.quantity_total = sum(statement.line_ids.mapped("quantity"))
            statement.amount_total = sum(statement.line_ids.mapped("amount"))

    def _compute_access_url(self):
        for statement in self:
            statement.access_url = f"/my/activity_statements/{statement.id}"

    @api.depends("order_id", "period")
    def _compute_display_name(self):
        for statement in self:
            month = statement._get_month_label()
            statement.display_name = f"{statement.name} - {statement.order_id.name} - {month}"

    def _get_month_label(self, lang=None):
        return self.env["postproduction.invoice.run"]._get_month_label(self.period, lang)

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "postproduction.activity.statement"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if self.filtered(lambda s: s.state in ("signed", "contested")):
            raise UserError(
                self.env._("A signed or contested activity statement cannot be deleted.")
            )

    # ------------------------------------------------------------------ business
    @api.model
    def _for_orders(self, orders, period, refresh=True):
        """The statements of ``orders`` for the month ``period``, made and, with
        ``refresh``, brought up to date (a draft or sent statement follows the timesheets
        until signed); ``action_send`` brings them up to date itself."""
        period = periods.month_start(period)
        existing = self.search([("order_id", "in", orders.ids), ("period", "=", period)])
        missing = orders - existing.order_id
        statements = existing | self.create(
            [{"order_id": order.id, "period": period} for order in missing]
        )
        if refresh:
            statements.filtered(lambda s: s.state in ("draft", "sent"))._refresh_lines()
        return statements

    def _refresh_lines(self):
        """Rebuild the lines from the timesheets the month's invoice bills."""
        for statement in self:
            statement.line_ids = [Command.clear()] + [
                Command.create(values) for values in statement._prepare_lines()
            ]

    def _get_timesheets(self):
        """The timesheets of the month the order's invoice bills: Odoo's delivered domain
        of its lines within the month, not billed yet (as the generation invoices them)
        or billed by the order's invoices of that month (a statement sent after them)."""
        self.ensure_one()
        lines = self.order_id.order_line.filtered(
            lambda sol: sol.product_id and sol.product_id._is_delivered_timesheet()
        )
        if not lines:
            return self.env["account.analytic.line"]
        start, end = periods.month_bounds(self.period)
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "!=", "cancel"),
                    ("postproduction_period", "=", self.period),
                    ("invoice_line_ids.sale_line_ids", "in", lines.ids),
                ]
            )
        )
        domain = expression.AND(
            [
                lines._timesheet_compute_delivered_quantity_domain(),
                [("so_line", "in", lines.ids), ("date", ">=", start), ("date", "<=", end)],
                expression.OR(
                    [
                        lines._postproduction_unbilled_timesheet_domain(),
                        [("timesheet_invoice_id", "in", invoices.ids)],
                    ]
                ),
            ]
        )
        return self.env["account.analytic.line"].sudo().search(domain, order="date, id")

    def _prepare_lines(self):
        """One line per consultant, order line and day. Each order line's days add up to
        what its invoice line bills (its unit's rounding) and their amounts to its
        subtotal: the rounding remainder goes on the line's last day."""
        self.ensure_one()
        hours = defaultdict(float)
        uoms = {}
        for timesheet in self._get_timesheets():
            key = (timesheet.so_line, timesheet.employee_id, timesheet.date)
            hours[key] += timesheet.unit_amount
            uoms[key] = timesheet.product_uom_id
        by_line = defaultdict(list)
        for (sale_line, employee, day), amount in sorted(
            hours.items(), key=lambda item: (item[0][0].id, item[0][1].name or "", item[0][2])
        ):
            quantity = uoms[(sale_line, employee, day)]._compute_quantity(
                amount, sale_line.product_uom, round=False, raise_if_failure=False
            )
            by_line[sale_line].append((employee, day, amount, quantity))
        values = []
        for sale_line, days in by_line.items():
            values += self._prepare_order_line_days(sale_line, days)
        return values

    def _prepare_order_line_days(self, sale_line, days):
        currency = self.currency_id
        rate = sale_line.price_unit * (1 - (sale_line.discount or 0.0) / 100.0)
        billed = float_round(
            sum(day[3] for day in days), precision_rounding=sale_line.product_uom.rounding
        )
        subtotal = currency.round(billed * rate)
        values, quantity_left, amount_left = [], billed, subtotal
        for index, (employee, day, hours, worked) in enumerate(days):
            last = index == len(days) - 1
            amount = amount_left if last else currency.round(worked * rate)
            quantity = quantity_left if last else worked
            quantity_left -= quantity
            amount_left -= amount
            values.append(
                {
                    "sale_line_id": sale_line.id,
                    "employee_id": employee.id,
                    "date": day,
                    "hours": hours,
                    "quantity": quantity,
                    "price_unit": rate,
                    "amount": amount,
                }
            )
        return values

    def _get_sections(self):
        """The lines per consultant and order line, for the portal page and the PDF:
        dicts of ``employee``, ``sale_line``, ``lines``, ``quantity``, ``amount``."""
        self.ensure_one()
        sections = []
        for (employee, sale_line), lines in self.line_ids.grouped(
            lambda line: (line.employee_id, line.sale_line_id)
        ).items():
            sections.append(
                {
                    "employee": employee,
                    "sale_line": sale_line,
                    "lines": lines.sorted("date"),
                    "quantity": sum(lines.mapped("quantity")),
                    "amount": sum(lines.mapped("amount")),
                }
            )
        return sorted(sections, key=lambda s: (s["employee"].name or "", s["sale_line"].id))

    def _get_recipients(self):
        """Who the statement is sent to: as invoices, the billing contact and the contacts
        ticked for invoice copies, else the order's invoice address."""
        self.ensure_one()
        partners = self.order_id.partner_invoice_id._postproduction_invoice_recipients()
        return (partners or self.order_id.partner_invoice_id).filtered("email")

    def _get_recipient_ids(self):
        """The recipients' ids, as the mail template's ``partner_to`` reads them."""
        return ",".join(str(partner.id) for partner in self._get_recipients())

    def _get_lang(self):
        return self.order_id.partner_invoice_id.lang or self.partner_id.lang

    def _mark_sent(self):
        self.filtered(lambda s: s.state == "draft").write(
            {"state": "sent", "sent_date": fields.Date.context_today(self)}
        )

    def _sign(self, name, signature):
        """The customer signs: stores the signature, renders the signed PDF as an
        attachment and logs it. Only a sent statement is signed."""
        self.ensure_one()
        self._check_state("sent")
        if not (name or "").strip() or not signature:
            raise UserError(self.env._("Type your name and draw your signature to sign."))
        self.write(
            {
                "state": "signed",
                "signed_by": name.strip(),
                "signed_on": fields.Datetime.now(),
                "signature": signature,
            }
        )
        pdf, _kind = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("postproduction.action_report_postproduction_statement", self.ids)
        )
        self.signed_pdf_id = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{self.name.replace('/', '_')}_signed.pdf",
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.message_post(
            body=self.env._("Signed by %(name)s.", name=self.signed_by),
            attachment_ids=self.signed_pdf_id.ids,
            author_id=self.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _contest(self, comment):
        """The customer contests: the comment goes to the chatter and the order's
        salesperson gets an activity."""
        self.ensure_one()
        self._check_state("sent")
        comment = (comment or "").strip()
        if not comment:
            raise UserError(self.env._("Say what is wrong with the statement to contest it."))
        self.write({"state": "contested", "contest_comment": comment})
        self.message_post(
            body=self.env._("Contested by the customer: %(comment)s", comment=comment),
            author_id=self.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        user = self.order_id.user_id or self.env.user
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Activity statement contested"),
            note=comment,
            user_id=user.id,
        )

    def _check_state(self, state):
        if self.state != state:
            raise UserError(
                self.env._(
                    "Activity statement %(statement)s is %(state)s: it cannot be signed or "
                    "contested now.",
                    statement=self.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        self.state
                    ].lower(),
                )
            )

    def action_reset(self, reason=None):
        """A manager puts the statement back to draft, with a reason logged: the signature
        and the link stop working (a new link is made when it is sent again)."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only a PostProduction manager can reset an activity statement.")
            )
        reason = (reason or self.env.context.get("postproduction_reset_reason") or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason why the statement is reset."))
        for statement in self:
            statement.write(
                {
                    "state": "draft",
                    "signed_by": False,
                    "signed_on": False,
                    "signature": False,
                    "signed_pdf_id": False,
                    "contest_comment": False,
                    "sent_date": False,
                    "reminder_date": False,
                    "access_token": False,
                }
            )
            statement.message_post(
                body=self.env._("Reset to draft: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
            )
        self._refresh_lines()
        return True

    def action_send(self):
        """Odoo's mail composer with the sign-off template, in the customer's language."""
        if self.filtered(lambda s: s.state not in ("draft", "sent")):
            raise UserError(
                self.env._(
                    "A signed or contested statement is reset by a manager before it is sent again."
                )
            )
        self._refresh_lines()
        template = self.env.ref("postproduction.mail_template_activity_statement")
        ctx = {
            "default_model": self._name,
            "default_res_ids": self.ids,
            "default_template_id": template.id,
            "default_composition_mode": "comment",
            "default_email_layout_xmlid": "mail.mail_notification_light",
            "postproduction_mark_statement_sent": True,
            "force_email": True,
        }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send for sign-off"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": ctx,
        }

    def action_open_portal(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.get_portal_url(), "target": "new"}

    @api.returns("mail.message", lambda value: value.id)
    def message_post(self, **kwargs):
        if self.env.context.get("postproduction_mark_statement_sent"):
            self._mark_sent()
        return super().message_post(**kwargs)

    # ------------------------------------------------------------------ reminders
    @api.model
    def _cron_remind(self, today=None):
        """Remind the customers of statements sent and neither signed nor contested for
        the company's number of days, at most once per that many days."""
        today = today or fields.Date.context_today(self)
        template = self.env.ref("postproduction.mail_template_activity_statement_reminder")
        reminded = self.browse()
        for statement in self.search([("state", "=", "sent")]):
            days = statement.company_id.postproduction_signoff_reminder_days
            if not days or not statement.sent_date:
                continue
            last = statement.reminder_date or statement.sent_date
            if last + timedelta(days=days) <= today:
                statement.with_context(lang=statement._get_lang()).message_post_with_source(
                    template, subtype_xmlid="mail.mt_comment"
                )
                statement.reminder_date = today
                reminded |= statement
        return reminded


class PostproductionActivityStatementLine(models.Model):
    _name = "postproduction.activity.statement.line"
    _description = "PostProduction activity statement day"
    _order = "statement_id, employee_id, date, id"

    statement_id = fields.Many2one(
        "postproduction.activity.statement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="statement_id.company_id", store=True)
    currency_id = fields.Many2one(related="statement_id.currency_id")
    sale_line_id = fields.Many2one("sale.order.line", string="Order line", required=True)
    employee_id = fields.Many2one("hr.employee", string="Consultant", required=True)
    date = fields.Date(required=True)
    hours = fields.Float(digits=(16, 2))
    quantity = fields.Float(digits="Product Unit of Measure")
    uom_id = fields.Many2one(related="sale_line_id.product_uom", string="Unit")
    price_unit = fields.Float(string="Rate", digits="Product Price")
    amount = fields.Monetary()


class AccountAnalyticLine(models.Model):
    """A month signed off is frozen for its order: its timesheets keep what the customer
    signed until a manager resets the statement."""

    _inherit = "account.analytic.line"

    @api.model_create_multi
    def create(self, vals_list):
        timesheets = super().create(vals_list)
        timesheets._postproduction_check_not_signed_off()
        return timesheets

    def write(self, vals):
        guarded = SIGNED_FIELDS & set(vals)
        if guarded:
            self._postproduction_check_not_signed_off()
        result = super().write(vals)
        if guarded:
            self._postproduction_check_not_signed_off()
        return result

    def unlink(self):
        # before the approval's lock, so that the refusal names the statement
        self._postproduction_check_not_signed_off()
        return super().unlink()

    def _postproduction_check_not_signed_off(self):
        if self._postproduction_splitting():
            return
        # the consultant writing a timesheet may read neither orders nor statements
        timesheets = self.sudo().filtered(lambda t: t.project_id and t.so_line and t.date)
        if not timesheets:
            return
        signed = (
            self.env["postproduction.activity.statement"]
            .sudo()
            .search(
                [
                    ("order_id", "in", timesheets.so_line.order_id.ids),
                    ("period", "in", list({periods.month_start(t.date) for t in timesheets})),
                    ("state", "=", "signed"),
                ]
            )
        )
        keys = {(s.order_id, s.period): s for s in signed}
        for timesheet in timesheets:
            statement = keys.get((timesheet.so_line.order_id, periods.month_start(timesheet.date)))
            if statement:
                raise UserError(
                    self.env._(
                        "The customer signed activity statement %(statement)s for %(month)s on "
                        "order %(order)s: its timesheets cannot change. A PostProduction "
                        "manager may reset the statement, giving a reason.",
                        statement=statement.name,
                        month=statement._get_month_label(),
                        order=statement.order_id.name,
                    )
                )


class AccountMove(models.Model):
    """An invoice of a signed-off month carries its signed activity statements."""

    _inherit = "account.move"

    postproduction_statement_ids = fields.Many2many(
        "postproduction.activity.statement",
        string="Signed activity statements",
        compute="_compute_postproduction_statement_ids",
    )

    @api.depends("invoice_line_ids.sale_line_ids", "postproduction_period")
    def _compute_postproduction_statement_ids(self):
        Statement = self.env["postproduction.activity.statement"]
        for move in self:
            orders = move.invoice_line_ids.sale_line_ids.order_id
            move.postproduction_statement_ids = (
                Statement.search(
                    [
                        ("order_id", "in", orders.ids),
                        ("period", "=", move.postproduction_period),
                        ("state", "=", "signed"),
                    ]
                )
                if orders and move.postproduction_period
                else Statement
            )

    def action_view_postproduction_statements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_activity_statement"
        )
        action["domain"] = [("id", "in", self.postproduction_statement_ids.ids)]
        return action


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_invoice_extra_attachments_data(self, move):
        """Send & Print attaches the signed activity statements of the invoice's month."""
        result = super()._get_invoice_extra_attachments_data(move)
        for statement in move.postproduction_statement_ids.sudo():
            if statement.signed_pdf_id:
                result.append(
                    {
                        "id": statement.signed_pdf_id.id,
                        "name": statement.signed_pdf_id.name,
                        "mimetype": "application/pdf",
                        "placeholder": False,
                        "protect_from_deletion": False,
                    }
                )
        return result


class PostproductionActivityStatementResetWizard(models.TransientModel):
    _name = "postproduction.activity.statement.reset.wizard"
    _description = "Reset an activity statement"

    statement_ids = fields.Many2many(
        "postproduction.activity.statement",
        "postproduction_statement_reset_rel",
        "wizard_id",
        "statement_id",
        required=True,
    )
    reason = fields.Char(required=True)

    def action_reset(self):
        self.ensure_one()
        self.statement_ids.action_reset(self.reason)
        return {"type": "ir.actions.act_window_close"}
