from odoo import api, fields, models
from odoo.osv import expression

from .sale_order import own_context_value


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    postproduction_delivery_ids = fields.One2many(
        "postproduction.delivery", "sale_line_id", string="Deliveries"
    )

    # ------------------------------------------------------------------ written off
    postproduction_qty_written_off = fields.Float(
        string="Written off",
        compute="_compute_postproduction_written_off",
        digits="Product Unit of Measure",
        store=True,
        help="Quantity a corrective invoice credited as non-chargeable: it is no longer "
        "to invoice.",
    )

    postproduction_amount_written_off = fields.Monetary(
        string="Untaxed amount written off",
        compute="_compute_postproduction_written_off",
        store=True,
    )

    # ------------------------------------------------------------------ invoice generation
    postproduction_advance_period = fields.Date(
        string="Advance of month",
        copy=False,
        readonly=True,
        help="On a down payment line: the month whose forecast it invoices in advance; the "
        "invoice of that month deducts it.",
    )

    @api.depends("analytic_line_ids.approval_state")
    def _compute_qty_delivered(self):
        return super()._compute_qty_delivered()

    def _timesheet_compute_delivered_quantity_domain(self):
        """Count only validated timesheets in the companies that ask for it."""
        domain = super()._timesheet_compute_delivered_quantity_domain()
        return domain + self.env["account.analytic.line"]._postproduction_billable_domain()

    @api.depends(
        "invoice_lines.postproduction_write_off",
        "invoice_lines.quantity",
        "invoice_lines.price_subtotal",
        "invoice_lines.move_id.state",
    )
    def _compute_postproduction_written_off(self):
        for line in self:
            written_off = line.invoice_lines.filtered(
                lambda aml: aml.postproduction_write_off and aml.move_id.state != "cancel"
            )
            line.postproduction_qty_written_off = sum(
                aml.product_uom_id._compute_quantity(aml.quantity, line.product_uom)
                for aml in written_off
            )
            line.postproduction_amount_written_off = sum(written_off.mapped("price_subtotal"))

    @api.depends("postproduction_qty_written_off")
    def _compute_qty_to_invoice(self):
        """What was written off is invoiced neither now nor later."""
        result = super()._compute_qty_to_invoice()
        for line in self.filtered(lambda sol: sol.state == "sale" and not sol.display_type):
            line.qty_to_invoice -= line.postproduction_qty_written_off
        return result

    @api.depends("postproduction_amount_written_off")
    def _compute_untaxed_amount_to_invoice(self):
        result = super()._compute_untaxed_amount_to_invoice()
        for line in self.filtered(lambda sol: sol.state == "sale"):
            line.untaxed_amount_to_invoice -= line.postproduction_amount_written_off
        return result

    def _postproduction_unbilled_timesheet_domain(self):
        """Timesheets no invoice bills: never invoiced, invoiced on a cancelled invoice, or
        on an invoice a credit note reverses in full.

        Odoo's own recomputation also frees the timesheets of an invoice that a *partial*
        credit note refunds, which bills the whole month again; the invoice still bills
        them, so they stay billed. Same rule as the one that links timesheets to invoices
        (``_timesheet_domain_get_invoiced_lines``).
        """
        return [
            "|",
            "|",
            ("timesheet_invoice_id", "=", False),
            ("timesheet_invoice_id.state", "=", "cancel"),
            ("timesheet_invoice_id.payment_state", "=", "reversed"),
            ("postproduction_written_off", "=", False),
        ]

    def _postproduction_timesheet_quantities(self, start_date, end_date):
        """{line id: quantity} of the billable timesheets of ``[start_date, end_date]`` not
        billed yet, in each line's unit; for the lines invoiced from timesheets."""
        lines = self.filtered(
            lambda sol: sol.product_id and sol.product_id._is_delivered_timesheet()
        )
        domain = expression.AND(
            [
                lines._timesheet_compute_delivered_quantity_domain(),
                self._postproduction_unbilled_timesheet_domain(),
                [("date", ">=", start_date), ("date", "<=", end_date)],
            ]
        )
        return lines.sudo()._get_delivered_quantity_by_analytic(domain)

    def _recompute_qty_to_invoice(self, start_date, end_date):
        """Odoo's period recomputation, without billing twice the timesheets of an invoice
        partly credited (see ``_postproduction_unbilled_timesheet_domain``)."""
        in_use = self.order_id._postproduction_in_use()
        lines = self.filtered(
            lambda sol: (
                sol.order_id in in_use
                and sol.product_id
                and sol.product_id._is_delivered_timesheet()
            )
        )
        if not (start_date and end_date and lines):
            return super()._recompute_qty_to_invoice(start_date, end_date)
        super(SaleOrderLine, self - lines)._recompute_qty_to_invoice(start_date, end_date)
        mapping = lines._postproduction_timesheet_quantities(start_date, end_date)
        for line in lines:
            status = line.invoice_status
            line.qty_to_invoice = mapping.get(line.id, 0.0)
            if not line.qty_to_invoice:
                line.invoice_status = status
        return None

    def _postproduction_cost_quantities(self, start_date, end_date):
        """{line id: quantity} of the re-invoiced expenses and purchases of the month not
        invoiced yet: what the month delivered, at most what remains to invoice."""
        lines = self.filtered(lambda sol: sol.is_expense and sol.qty_to_invoice > 0)
        month = lines.sudo()._get_delivered_quantity_by_analytic(
            [("amount", "<=", 0.0), ("date", ">=", start_date), ("date", "<=", end_date)]
        )
        return {
            line.id: min(month[line.id], line.qty_to_invoice)
            for line in lines
            if month.get(line.id, 0.0) > 0
        }

    def _prepare_invoice_line(self, **optional_values):
        """The month's quantity (or instalment) from the generation's plan, when there is one."""
        plan = own_context_value(self.env, "postproduction_invoice_plan")
        if plan and self.id in plan:
            optional_values = {**plan[self.id], **optional_values}
        return super()._prepare_invoice_line(**optional_values)
