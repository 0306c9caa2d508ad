from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import clean_context, float_compare, formatLang

from ..calc import periods


class AccountMove(models.Model):
    """Adding an order's lines left to invoice to a draft invoice: the rules, callable
    from the wizard (``postproduction.invoice.add.lines.wizard``), tests, scripts and
    server actions alike."""

    _inherit = "account.move"

    # ------------------------------------------------------------------ business
    def _postproduction_add_order_lines(self, order, quantities=None):
        """Add ``quantities`` of ``order``'s lines to this draft customer invoice, under a
        section naming the order and the customer's reference, and link to it the
        timesheets the added lines bill. Returns the invoice lines added.

        ``quantities``: ``{order line: quantity}`` or ``(order line, quantity)`` pairs (a
        line given twice adds up); ``None`` adds everything left to invoice. Refuses an
        invoice that is not a draft customer invoice, an order of another customer,
        company or currency, unconfirmed, invoiced from its schedule or being invoiced by
        a run, and a quantity that is not positive or above what is left to invoice.
        """
        self.ensure_one()
        # A form's default_move_id (the wizard's) must not reach the invoice lines.
        move = self.with_context(clean_context(self.env.context))
        order = order.with_env(move.env)
        move._postproduction_check_lines_addable()
        move._postproduction_check_order_addable(order)
        if quantities is None:
            quantities = move._postproduction_addable_quantities(order.order_line)
        checked = move._postproduction_check_added_quantities(order, quantities)
        before = move.invoice_line_ids
        move.write(move._postproduction_added_lines_values(order, checked))
        added = move.invoice_line_ids - before
        move._postproduction_link_added_timesheets(added)
        return added

    def _postproduction_addable_quantities(self, order_lines):
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
        period = self.postproduction_period
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
    def _postproduction_check_lines_addable(self):
        if self.move_type != "out_invoice" or self.state != "draft":
            raise UserError(
                self.env._(
                    "Lines from an order can only be added to a draft customer invoice; "
                    "%(invoice)s is not one. Reset it to draft, or create a new invoice.",
                    invoice=self.display_name,
                )
            )

    def _postproduction_check_order_addable(self, order):
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
            order.partner_id.commercial_partner_id != self.commercial_partner_id
            or order.company_id != self.company_id
        ):
            raise UserError(
                self.env._(
                    "Order %(order)s is of %(order_customer)s (%(order_company)s); invoice "
                    "%(invoice)s is for %(customer)s (%(company)s). Choose an order of the "
                    "invoice's customer and company.",
                    order=order.name,
                    order_customer=order.partner_id.commercial_partner_id.display_name,
                    order_company=order.company_id.name,
                    invoice=self.display_name,
                    customer=self.commercial_partner_id.display_name,
                    company=self.company_id.name,
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
        if order.currency_id != self.currency_id:
            raise UserError(
                self.env._(
                    "Order %(order)s is in %(order_currency)s and invoice %(invoice)s in "
                    "%(currency)s: add its lines to an invoice in %(order_currency)s.",
                    order=order.name,
                    order_currency=order.currency_id.name,
                    invoice=self.display_name,
                    currency=self.currency_id.name,
                )
            )

    def _postproduction_check_added_quantities(self, order, quantities):
        """{order line: quantity to add}, in the order's line sequence; refuses a quantity
        that is not positive or above what is left to invoice."""
        remaining = self._postproduction_addable_quantities(order.order_line)
        if not remaining:
            raise UserError(
                self.env._("Order %(order)s has nothing left to invoice.", order=order.name)
            )
        pairs = list(quantities.items() if isinstance(quantities, dict) else quantities)
        if not pairs:
            raise UserError(self.env._("Keep at least one line to add to the invoice."))
        totals = {}
        for line, quantity in pairs:
            if line.order_id != order:
                raise UserError(
                    self.env._(
                        "Line %(line)s is not a line of order %(order)s.",
                        line=line.display_name,
                        order=order.name,
                    )
                )
            if float_compare(quantity, 0.0, precision_rounding=line.product_uom.rounding) <= 0:
                raise UserError(
                    self.env._(
                        "The quantity to add of %(line)s must be positive; remove the line "
                        "from the list not to invoice it.",
                        line=line.name,
                    )
                )
            totals[line] = totals.get(line, 0.0) + quantity
        for line, quantity in totals.items():
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
        return dict(sorted(totals.items(), key=lambda item: (item[0].sequence, item[0].id)))

    # ------------------------------------------------------------------ values
    def _postproduction_added_lines_values(self, order, quantities):
        """The invoice's new lines, built by Odoo's own ``_prepare_invoice_line`` (description,
        taxes, analytic distribution, link to the order line), and its origin and
        reference, which list the order and the customer's reference as Odoo's grouped
        invoices do."""
        order = order.with_company(self.company_id).with_context(
            lang=order.partner_invoice_id.lang or self.partner_id.lang
        )
        sequence = max(self.invoice_line_ids.mapped("sequence"), default=0) + 1
        commands = [Command.create(self._postproduction_order_section_values(order, sequence))]
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
            "invoice_origin": self._postproduction_join_references(self.invoice_origin, order.name),
            "ref": self._postproduction_join_references(self.ref, order.client_order_ref),
        }

    @api.model
    def _postproduction_order_section_values(self, order, sequence):
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
    def _postproduction_join_references(self, current, reference):
        """``current``, a comma-separated list, with ``reference`` appended once."""
        existing = [part.strip() for part in (current or "").split(",") if part.strip()]
        if reference and reference not in existing:
            existing.append(reference)
        return ", ".join(existing) or False

    def _postproduction_link_added_timesheets(self, invoice_lines):
        """Link to the invoice the unbilled timesheets the added lines bill; those of the
        invoice's billed month only when it has one.

        Odoo's ``_link_timesheets_to_invoice``, restricted to the added lines: on the
        invoice's other lines, timesheets validated after they were invoiced are not
        billed and must stay free.
        """
        period = self.postproduction_period
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
