from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, frozendict

CORRECTION_ACTIONS = [
    ("return", "Return to invoice"),
    ("write_off", "Write off"),
]


class PostproductionInvoiceCorrectionWizard(models.TransientModel):
    """Correct a posted PostProduction invoice with a credit note for the difference.

    Each line of the invoice gets a corrected quantity (0 by default: 0 everywhere cancels
    it all). The credit note credits the difference on the same order lines; what it
    credits returns to invoice (it is invoiced again, on the order and on the dashboard
    for the same month) or is written off (non-chargeable).
    """

    _name = "postproduction.invoice.correction.wizard"
    _description = "Corrective invoice"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    reason = fields.Char(required=True)
    date = fields.Date(string="Credit note date", required=True, default=fields.Date.context_today)
    line_ids = fields.One2many(
        "postproduction.invoice.correction.line",
        "wizard_id",
        string="Lines",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    amount_credited = fields.Monetary(
        string="Untaxed amount credited", compute="_compute_amount_credited"
    )

    @api.depends("move_id")
    def _compute_line_ids(self):
        """The invoice's lines that still bill something: earlier credit notes of it (not
        cancelled) are netted, so that no quantity is credited twice."""
        for wizard in self:
            credited = wizard.move_id._postproduction_credited_quantities()
            commands = [Command.clear()]
            for line in wizard.move_id.invoice_line_ids.filtered(
                lambda aml: (
                    aml.display_type == "product"
                    and not aml.sale_line_ids.filtered("is_downpayment")
                )
            ):
                remaining = line.quantity - credited.get(line, 0.0)
                if (
                    float_compare(
                        remaining, 0.0, precision_rounding=line.product_uom_id.rounding or 0.01
                    )
                    > 0
                ):
                    commands.append(
                        Command.create({"invoice_line_id": line.id, "quantity": remaining})
                    )
            wizard.line_ids = commands

    @api.depends("line_ids.credited_quantity", "line_ids.price_unit", "line_ids.discount")
    def _compute_amount_credited(self):
        for wizard in self:
            wizard.amount_credited = sum(
                line.credited_quantity * line.price_unit * (1 - (line.discount or 0.0) / 100.0)
                for line in wizard.line_ids
            )

    # ------------------------------------------------------------------ checks
    def _check_correction(self):
        self.ensure_one()
        if not self.move_id._postproduction_is_correctable():
            raise UserError(
                self.env._(
                    "Only a posted customer invoice of PostProduction can be corrected; "
                    "%(invoice)s is not one.",
                    invoice=self.move_id.display_name,
                )
            )
        for line in self.line_ids:
            line._check_correction_line()
        if not self.line_ids:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s is credited in full already: nothing is left to correct.",
                    invoice=self.move_id.display_name,
                )
            )
        if not self.line_ids._to_credit():
            raise UserError(
                self.env._("Nothing to correct: every corrected quantity equals the invoiced one.")
            )
        self.line_ids._check_schedule_returns()

    # ------------------------------------------------------------------ confirm
    def action_confirm(self):
        """Create and post the credit note; returns the action that opens it."""
        self.ensure_one()
        self._check_correction()
        refund, refund_lines = self._create_refund()
        picked = {
            refund_line.id: line.timesheet_ids.ids
            for line, refund_line in refund_lines.items()
            if line.timesheet_ids
        }
        refund.with_context(postproduction_credited_timesheets=frozendict(picked)).action_post()
        self._reconcile(refund)
        self.line_ids._return_instalments(refund)
        self.move_id.message_post(
            body=self.env._(
                "Corrected by credit note %(refund)s (%(amount)s untaxed). Reason: %(reason)s",
                refund=refund.name,
                amount=refund.currency_id.format(refund.amount_untaxed),
                reason=self.reason,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return {
            "name": self.env._("Credit note"),
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": refund.id,
            "view_mode": "form",
        }

    def _create_refund(self):
        """Odoo's reversal of the invoice (same customer, accounts, taxes, analytics and
        order lines), keeping only the difference of each corrected line.

        Returns the credit note and {wizard line: its credit note line}.
        """
        invoice = self.move_id
        refund = invoice._reverse_moves(
            [
                {
                    "ref": self.env._(
                        "Correction of %(invoice)s: %(reason)s",
                        invoice=invoice.name,
                        reason=self.reason,
                    ),
                    "date": self.date,
                    "invoice_date": self.date,
                    "postproduction_period": invoice.postproduction_period,
                }
            ]
        )
        # The reversal copies the invoice's lines in their order.
        copies = zip(
            invoice.invoice_line_ids.sorted("id"), refund.invoice_line_ids.sorted("id"), strict=True
        )
        credited = {line.invoice_line_id: line for line in self.line_ids._to_credit()}
        commands, refund_lines = [], {}
        for source, copy in copies:
            line = credited.get(source)
            if not line:
                commands.append(Command.delete(copy.id))
                continue
            refund_lines[line] = copy
            commands.append(
                Command.update(
                    copy.id,
                    {
                        "quantity": line.credited_quantity,
                        "postproduction_write_off": line.action == "write_off",
                    },
                )
            )
        refund.write({"invoice_line_ids": commands})
        return refund, refund_lines

    def _reconcile(self, refund):
        """Settle the invoice with its credit note when the invoice is still open."""
        receivables = (self.move_id.line_ids | refund.line_ids).filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable" and not aml.reconciled
        )
        if receivables.move_id == self.move_id | refund:
            receivables.reconcile()


class PostproductionInvoiceCorrectionLine(models.TransientModel):
    _name = "postproduction.invoice.correction.line"
    _description = "Corrective invoice line"

    wizard_id = fields.Many2one(
        "postproduction.invoice.correction.wizard", required=True, ondelete="cascade"
    )
    invoice_line_id = fields.Many2one(
        "account.move.line", string="Invoice line", required=True, readonly=True
    )
    name = fields.Char(related="invoice_line_id.name", string="Description")
    product_id = fields.Many2one(related="invoice_line_id.product_id")
    product_uom_id = fields.Many2one(related="invoice_line_id.product_uom_id", string="Unit")
    price_unit = fields.Float(related="invoice_line_id.price_unit")
    discount = fields.Float(related="invoice_line_id.discount")
    quantity = fields.Float(
        string="Invoiced quantity",
        digits="Product Unit of Measure",
        help="What the invoice line still bills: its quantity less what earlier credit "
        "notes of the invoice credit.",
    )
    corrected_quantity = fields.Float(
        string="Corrected quantity",
        digits="Product Unit of Measure",
        compute="_compute_corrected_quantity",
        store=True,
        readonly=False,
        help="What the invoice should have billed. The credit note credits the difference.",
    )
    credited_quantity = fields.Float(
        string="Credited quantity",
        digits="Product Unit of Measure",
        compute="_compute_credited_quantity",
    )
    action = fields.Selection(
        CORRECTION_ACTIONS,
        string="Credited quantity is",
        required=True,
        default="return",
        help="Return to invoice: the credited quantity is invoiced again (it shows as to "
        "invoice on the order and on the dashboard for the same month). Write off: it is "
        "non-chargeable and never invoiced again.",
    )
    available_timesheet_ids = fields.Many2many(
        "account.analytic.line", compute="_compute_available_timesheet_ids"
    )
    timesheet_ids = fields.Many2many(
        "account.analytic.line",
        "postproduction_correction_line_timesheet_rel",
        "line_id",
        "timesheet_id",
        string="Credited timesheets",
        help="The timesheets credited, exactly: the corrected quantity follows. Without "
        "any, the latest timesheets are credited, one split if need be.",
    )

    @api.depends("invoice_line_id")
    def _compute_available_timesheet_ids(self):
        for line in self:
            line.available_timesheet_ids = (
                line.invoice_line_id.move_id.sudo().timesheet_ids.filtered(
                    lambda t, ln=line: (
                        t.so_line in ln.invoice_line_id.sale_line_ids
                        and not t.postproduction_written_off
                    )
                )
            )

    @api.depends("timesheet_ids")
    def _compute_corrected_quantity(self):
        for line in self:
            if line.timesheet_ids:
                line.corrected_quantity = line.quantity - line._timesheets_quantity()
            else:
                line.corrected_quantity = line.corrected_quantity or 0.0

    @api.depends("quantity", "corrected_quantity")
    def _compute_credited_quantity(self):
        for line in self:
            line.credited_quantity = line.quantity - line.corrected_quantity

    def _timesheets_quantity(self):
        """The picked timesheets' hours in the invoice line's unit."""
        self.ensure_one()
        return self.timesheet_ids.sudo()._postproduction_worth(self.product_uom_id)

    def _to_credit(self):
        return self.filtered(
            lambda line: (
                not float_is_zero(
                    line.credited_quantity, precision_rounding=line.product_uom_id.rounding or 0.01
                )
            )
        )

    def _check_correction_line(self):
        self.ensure_one()
        rounding = self.product_uom_id.rounding or 0.01
        if (
            float_compare(self.corrected_quantity, 0.0, precision_rounding=rounding) < 0
            or float_compare(self.corrected_quantity, self.quantity, precision_rounding=rounding)
            > 0
        ):
            raise UserError(
                self.env._(
                    'The corrected quantity of "%(line)s" must be between 0 and the invoiced '
                    "quantity, %(quantity)s.",
                    line=self.name or self.product_id.display_name,
                    quantity=self.quantity,
                )
            )
        if self.timesheet_ids - self.available_timesheet_ids:
            raise UserError(
                self.env._(
                    'Only timesheets this invoice bills on "%(line)s" can be credited on it.',
                    line=self.name or self.product_id.display_name,
                )
            )
        if self.timesheet_ids and float_compare(
            self.credited_quantity, self._timesheets_quantity(), precision_rounding=rounding
        ):
            raise UserError(
                self.env._(
                    'On "%(line)s", the credited quantity (%(credited)s) must equal the '
                    "timesheets picked (%(picked)s): adjust one or the other.",
                    line=self.name or self.product_id.display_name,
                    credited=self.credited_quantity,
                    picked=self._timesheets_quantity(),
                )
            )

    def _schedule_lines(self):
        """The lines of instalments (schedule orders)."""
        return self.filtered(
            lambda line: line.invoice_line_id.sale_line_ids.order_id.filtered(
                lambda order: order.postproduction_mode == "schedule"
            )
        )

    def _check_schedule_returns(self):
        """Instalments return to invoice whole: every line of the order credited in full."""
        schedule = self._schedule_lines()
        for order in schedule.invoice_line_id.sale_line_ids.order_id:
            lines = schedule.filtered(
                lambda ln, o=order: o in ln.invoice_line_id.sale_line_ids.order_id
            )
            returned = lines.filtered(lambda ln: ln.action == "return")._to_credit()
            if returned and any(
                line.action != "return"
                or not float_is_zero(
                    line.corrected_quantity, precision_rounding=line.product_uom_id.rounding or 0.01
                )
                for line in lines
            ):
                raise UserError(
                    self.env._(
                        "The instalments of schedule order %(order)s return to invoice whole: "
                        "set 0 on all its lines to return them, or write the difference off.",
                        order=order.name,
                    )
                )

    def _return_instalments(self, refund):
        """The instalments the invoice billed on the orders returned whole are to invoice
        again (the next run invoices them); ``refund`` is kept on them, so that resetting
        or cancelling it bills them on the invoice again."""
        returned = self._schedule_lines().filtered(lambda ln: ln.action == "return")._to_credit()
        orders = returned.invoice_line_id.sale_line_ids.order_id
        if not orders:
            return
        instalments = (
            self.env["postproduction.schedule"]
            .sudo()
            .search(
                [("order_id", "in", orders.ids), ("move_id", "in", returned.wizard_id.move_id.ids)]
            )
        )
        instalments.write({"state": "to_invoice", "move_id": False, "credit_move_id": refund.id})
