from odoo import Command, api, fields, models

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
        """The invoice's lines that still bill something (net of its credit notes)."""
        for wizard in self:
            billed = wizard.move_id._postproduction_correctable_quantities()
            wizard.line_ids = [Command.clear()] + [
                Command.create({"invoice_line_id": line.id, "quantity": quantity})
                for line, quantity in billed.items()
            ]

    @api.depends("line_ids.credited_quantity", "line_ids.price_unit", "line_ids.discount")
    def _compute_amount_credited(self):
        for wizard in self:
            wizard.amount_credited = sum(
                line.credited_quantity * line.price_unit * (1 - (line.discount or 0.0) / 100.0)
                for line in wizard.line_ids
            )

    def action_confirm(self):
        """Create and post the credit note (``account.move``'s ``_postproduction_correct``
        holds the rules); returns the action that opens it."""
        self.ensure_one()
        corrections = {
            line.invoice_line_id: {
                "quantity": line.corrected_quantity,
                "write_off": line.action == "write_off",
                "timesheets": line.timesheet_ids,
            }
            for line in self.line_ids
        }
        refund = self.move_id._postproduction_correct(corrections, self.reason, self.date)
        return {
            "name": self.env._("Credit note"),
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": refund.id,
            "view_mode": "form",
        }


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
            invoice_line = line.invoice_line_id
            line.available_timesheet_ids = (
                invoice_line.move_id._postproduction_creditable_timesheets(invoice_line)
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
