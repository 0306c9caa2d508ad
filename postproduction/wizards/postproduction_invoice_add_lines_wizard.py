from odoo import Command, api, fields, models


class PostproductionInvoiceAddLinesWizard(models.TransientModel):
    """Collects the order and the quantities to add to a draft invoice."""

    _name = "postproduction.invoice.add.lines.wizard"
    _description = "Add the lines left to invoice of an order to a draft invoice"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    company_id = fields.Many2one(related="move_id.company_id")
    order_id = fields.Many2one(
        "sale.order",
        domain="[('state', '=', 'sale'), ('partner_id', 'child_of', partner_id), "
        "('company_id', '=', company_id)]",
        help="A confirmed order of the invoice's customer. Its lines with something left "
        "to invoice are listed below.",
    )
    line_ids = fields.One2many(
        "postproduction.invoice.add.lines.wizard.line",
        "wizard_id",
        string="Lines to add",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )

    @api.depends("order_id")
    def _compute_line_ids(self):
        for wizard in self:
            remaining = wizard.move_id._postproduction_addable_quantities(
                wizard.order_id.order_line
            )
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {"sale_line_id": line.id, "remaining_quantity": quantity, "quantity": quantity}
                )
                for line, quantity in remaining.items()
            ]

    def action_add_lines(self):
        """Add the chosen quantities to the draft invoice (``account.move``'s
        ``_postproduction_add_order_lines`` holds the rules)."""
        self.ensure_one()
        self.move_id._postproduction_add_order_lines(
            self.order_id, [(line.sale_line_id, line.quantity) for line in self.line_ids]
        )
        return {"type": "ir.actions.act_window_close"}


class PostproductionInvoiceAddLinesWizardLine(models.TransientModel):
    _name = "postproduction.invoice.add.lines.wizard.line"
    _description = "Order line to add to a draft invoice"

    wizard_id = fields.Many2one(
        "postproduction.invoice.add.lines.wizard", required=True, ondelete="cascade"
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Order line", required=True, readonly=True, ondelete="cascade"
    )
    name = fields.Text(related="sale_line_id.name", string="Description")
    product_uom_id = fields.Many2one(related="sale_line_id.product_uom", string="Unit")
    price_unit = fields.Float(related="sale_line_id.price_unit")
    invoice_policy = fields.Selection(related="sale_line_id.product_id.invoice_policy")
    remaining_quantity = fields.Float(
        string="Left to invoice",
        digits="Product Unit of Measure",
        readonly=True,
        help="Ordered or delivered (per the product's invoicing policy), minus invoiced. On "
        "an invoice of a billed month, a line invoiced from timesheets counts that month's "
        "timesheets only.",
    )
    quantity = fields.Float(
        string="Quantity to add",
        digits="Product Unit of Measure",
        required=True,
        help="At most what is left to invoice.",
    )
