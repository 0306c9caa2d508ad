from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import clean_context, float_compare, formatLang

from ..calc import periods


class PostproductionInvoiceAddLinesWizard(models.TransientModel):
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
            remaining = wizard._remaining_quantities(wizard.order_id.order_line)
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {"sale_line_id": line.id, "remaining_quantity": quantity, "quantity": quantity}
                )
                for line, quantity in remaining.items()
            ]

    def _remaining_quantities(self, order_lines):
        """{order line: quantity this invoice may still bill}, for lines with some left.

        Odoo's ``qty_to_invoice`` (ordered or delivered, minus invoiced, per the product's
        invoice policy). On an invoice of a billed month, a line invoiced from timesheets
        bills that month's unbilled timesheets only, as the generation does: the timesheets
        of other months stay for their own invoices.
        """
        self.ensure_one()
        lines = order_lines.filtered(
            lambda line: (
                not line.display_type
                and not line.is_downpayment
                and line.product_id.type != "combo"
            )
        )
        remaining = {line: line.qty_to_invoice for line in lines}
        period = self.move_id.postproduction_period
        if period:
            timesheet_lines = lines.filtered(lambda line: line.product_id._is_delivered_timesheet())
            month = timesheet_lines._postproduction_timesheet_quantities(
                *periods.month_bounds(period)
            )
            for line in timesheet_lines:
                remaining[line] = min(remaining[line], month.get(line.id, 0.0))
        return {
            line: quantity
            for line, quantity in remaining.items()
            if float_compare(quantity, 0.0, precision_rounding=line.product_uom.rounding) > 0
        }

    # ------------------------------------------------------------------ checks
    def _check_invoice(self):
        move = self.move_id
        if move.move_type != "out_invoice" or move.state != "draft":
            raise UserError(
                self.env._(
                    "Lines from an order can only be added to a draft customer invoice; "
                    "%(invoice)s is not one. Reset it to draft, or create a new invoice.",
                    invoice=move.display_name,
                )
            )

    def _check_order(self):
        order, move = self.order_id, self.move_id
        if not order:
            raise UserError(self.env._("Choose the order whose lines to add to the invoice."))
        if order.state != "sale":
            raise UserError(
                self.env._(
                    "Order %(order)s is not confirmed: confirm it before invoicing it.",
                    order=order.name,
                )
            )
        if (
            order.partner_id.commercial_partner_id != move.commercial_partner_id
            or order.company_id != move.company_id
        ):
            raise UserError(
                self.env._(
                    "Order %(order)s is of %(order_customer)s (%(order_company)s); invoice "
                    "%(invoice)s is for %(customer)s (%(company)s). Choose an order of the "
                    "invoice's customer and company.",
                    order=order.name,
                    order_customer=order.partner_id.commercial_partner_id.display_name,
                    order_company=order.company_id.name,
                    invoice=move.display_name,
                    customer=move.commercial_partner_id.display_name,
                    company=move.company_id.name,
                )
            )
        if order.postproduction_mode == "schedule":
            raise UserError(
                self.env._(
                    "Order %(order)s is invoiced from its schedule: generate its instalments "
                    "from the PostProduction dashboard instead of adding its lines here.",
                    order=order.name,
                )
            )
        if not self.env["postproduction.invoice.run"]._lock_orders(order):
            raise UserError(
                self.env._(
                    "Order %(order)s is being invoiced by a generation run right now: try "
                    "again when it is done.",
                    order=order.name,
                )
            )
        if order.currency_id != move.currency_id:
            raise UserError(
                self.env._(
                    "Order %(order)s is in %(order_currency)s and invoice %(invoice)s in "
                    "%(currency)s: add its lines to an invoice in %(order_currency)s.",
                    order=order.name,
                    order_currency=order.currency_id.name,
                    invoice=move.display_name,
                    currency=move.currency_id.name,
                )
            )

    def _check_quantities(self):
        """{order line: quantity to add}, in the order's line sequence; refuses a quantity
        that is not positive or above what is left to invoice."""
        order = self.order_id
        remaining = self._remaining_quantities(order.order_line)
        if not remaining:
            raise UserError(
                self.env._("Order %(order)s has nothing left to invoice.", order=order.name)
            )
        if not self.line_ids:
            raise UserError(self.env._("Keep at least one line to add to the invoice."))
        quantities = {}
        for wizard_line in self.line_ids:
            line = wizard_line.sale_line_id
            if line.order_id != order:
                raise UserError(
                    self.env._(
                        "Line %(line)s is not a line of order %(order)s.",
                        line=line.display_name,
                        order=order.name,
                    )
                )
            rounding = line.product_uom.rounding
            if float_compare(wizard_line.quantity, 0.0, precision_rounding=rounding) <= 0:
                raise UserError(
                    self.env._(
                        "The quantity to add of %(line)s must be positive; remove the line "
                        "from the list not to invoice it.",
                        line=line.name,
                    )
                )
            quantities[line] = quantities.get(line, 0.0) + wizard_line.quantity
        for line, quantity in quantities.items():
            left = remaining.get(line, 0.0)
            if float_compare(quantity, left, precision_rounding=line.product_uom.rounding) > 0:
                raise UserError(
                    self.env._(
                        "Only %(left)s %(unit)s of %(line)s remain to invoice on this invoice, "
                        "not %(quantity)s.",
                        left=formatLang(self.env, left, dp="Product Unit of Measure"),
                        unit=line.product_uom.name,
                        line=line.name,
                        quantity=formatLang(self.env, quantity, dp="Product Unit of Measure"),
                    )
                )
        return dict(sorted(quantities.items(), key=lambda item: (item[0].sequence, item[0].id)))

    # ------------------------------------------------------------------ action
    def action_add_lines(self):
        """Add the chosen quantities of the order's lines to the draft invoice, under a
        section naming the order and the customer's reference; links the timesheets the
        added lines bill to the invoice."""
        self.ensure_one()
        # The form's default_move_id must not reach the invoice lines created here.
        wizard = self.with_context(clean_context(self.env.context))
        wizard._check_invoice()
        wizard._check_order()
        quantities = wizard._check_quantities()
        move = wizard.move_id
        before = move.invoice_line_ids
        move.write(wizard._prepare_invoice_values(quantities))
        wizard._link_timesheets(move.invoice_line_ids - before)
        return {"type": "ir.actions.act_window_close"}

    def _prepare_invoice_values(self, quantities):
        """The invoice's new lines, built by Odoo's own ``_prepare_invoice_line`` (description,
        taxes, analytic distribution, link to the order line), and its origin and
        reference, which list the order and the customer's reference as Odoo's grouped
        invoices do."""
        move = self.move_id
        order = self.order_id.with_company(move.company_id).with_context(
            lang=self.order_id.partner_invoice_id.lang or move.partner_id.lang
        )
        sequence = max(move.invoice_line_ids.mapped("sequence"), default=0) + 1
        commands = [Command.create(self._prepare_section_values(order, sequence))]
        for line, quantity in quantities.items():
            sequence += 1
            commands.append(
                Command.create(
                    line.with_env(order.env)._prepare_invoice_line(
                        quantity=quantity, sequence=sequence
                    )
                )
            )
        return {
            "invoice_line_ids": commands,
            "invoice_origin": self._join_references(move.invoice_origin, order.name),
            "ref": self._join_references(move.ref, order.client_order_ref),
        }

    def _prepare_section_values(self, order, sequence):
        """A section naming the order (and the customer's reference), in the customer's
        language: on an invoice of several orders, it tells their lines apart."""
        if order.client_order_ref:
            name = order.env._(
                "Order %(order)s, your reference %(reference)s",
                order=order.name,
                reference=order.client_order_ref,
            )
        else:
            name = order.env._("Order %(order)s", order=order.name)
        return {"display_type": "line_section", "name": name, "sequence": sequence}

    @api.model
    def _join_references(self, current, reference):
        """``current``, a comma-separated list, with ``reference`` appended once."""
        existing = [part.strip() for part in (current or "").split(",") if part.strip()]
        if reference and reference not in existing:
            existing.append(reference)
        return ", ".join(existing) or False

    def _link_timesheets(self, invoice_lines):
        """Link to the invoice the unbilled timesheets the added lines bill; those of the
        invoice's billed month only when it has one.

        Odoo's ``_link_timesheets_to_invoice``, restricted to the added lines: on the
        invoice's other lines, timesheets validated after they were invoiced are not
        billed and must stay free.
        """
        period = self.move_id.postproduction_period
        Timesheet = self.env["account.analytic.line"].sudo()
        for invoice_line in invoice_lines:
            sale_lines = invoice_line.sale_line_ids.filtered(
                lambda sol: (
                    sol.product_id.invoice_policy == "delivery"
                    and sol.product_id.service_type == "timesheet"
                )
            )
            if not sale_lines:
                continue
            domain = invoice_line._timesheet_domain_get_invoiced_lines(sale_lines)
            if period:
                start, end = periods.month_bounds(period)
                domain = expression.AND([domain, [("date", ">=", start), ("date", "<=", end)]])
            Timesheet.search(domain).write({"timesheet_invoice_id": invoice_line.move_id.id})


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
