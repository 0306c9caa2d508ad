from collections import defaultdict
from dataclasses import dataclass

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, frozendict


def _rounding(line):
    return line.product_uom_id.rounding or 0.01


@dataclass(frozen=True)
class Credit:
    """What a correction credits on one invoice line: ``quantity`` (in the line's unit),
    written off or returned to invoice, and the timesheets credited exactly (if any)."""

    line: object
    quantity: float
    write_off: bool
    timesheets: object


class AccountMove(models.Model):
    """Correcting a posted PostProduction invoice with a credit note for the difference:
    the rules, callable from the wizard (``postproduction.invoice.correction.wizard``),
    tests, scripts and server actions alike."""

    _inherit = "account.move"

    # ------------------------------------------------------------------ business
    def _postproduction_correct(self, corrections, reason, date=None):
        """Credit this posted PostProduction invoice down to ``corrections`` and post the
        credit note; returns it.

        ``corrections``: ``{invoice line: {"quantity": what the line should have billed,
        "write_off": whether the difference is written off rather than returned to
        invoice, "timesheets": the timesheets credited exactly (the difference must equal
        them)}}``; a line left out keeps what it bills. What is returned to invoice is
        invoiced again, on the order and on the dashboard for the same month; instalments
        return whole (every line of their order credited in full). Nothing is written
        when any correction is refused.
        """
        self.ensure_one()
        self._postproduction_check_correctable()
        billed = self._postproduction_correctable_quantities()
        if not billed:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s is credited in full already: nothing is left to correct.",
                    invoice=self.display_name,
                )
            )
        credits = self._postproduction_credits(corrections, billed)
        if not credits:
            raise UserError(
                self.env._("Nothing to correct: every corrected quantity equals the invoiced one.")
            )
        self._postproduction_check_schedule_returns(credits, billed)
        refund, refund_lines = self._postproduction_create_correction(credits, reason, date)
        picked = {
            refund_lines[credit].id: credit.timesheets.ids
            for credit in credits
            if credit.timesheets
        }
        refund.with_context(postproduction_credited_timesheets=frozendict(picked)).action_post()
        self._postproduction_reconcile_correction(refund)
        self._postproduction_return_instalments(credits, refund)
        self.message_post(
            body=self.env._(
                "Corrected by credit note %(refund)s (%(amount)s untaxed). Reason: %(reason)s",
                refund=refund.name,
                amount=refund.currency_id.format(refund.amount_untaxed),
                reason=reason,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return refund

    def _postproduction_correctable_quantities(self):
        """{invoice line: quantity it still bills}, for the lines a correction may credit:
        product lines that are not down payments, net of the invoice's credit notes (not
        cancelled), so that no quantity is credited twice."""
        self.ensure_one()
        credited = self._postproduction_credited_quantities()
        billed = {}
        for line in self.invoice_line_ids.filtered(
            lambda aml: (
                aml.display_type == "product" and not aml.sale_line_ids.filtered("is_downpayment")
            )
        ):
            remaining = line.quantity - credited.get(line, 0.0)
            if float_compare(remaining, 0.0, precision_rounding=_rounding(line)) > 0:
                billed[line] = remaining
        return billed

    def _postproduction_creditable_timesheets(self, line):
        """The timesheets this invoice bills on ``line`` that a correction may credit."""
        return self.sudo().timesheet_ids.filtered(
            lambda t: t.so_line in line.sale_line_ids and not t.postproduction_written_off
        )

    def _postproduction_credited_quantities(self):
        """{invoice line: quantity} that this invoice's credit notes (not cancelled) already
        credit, in each line's unit. A credit note line is matched to the invoice line it
        copies: same order lines, product and unit price."""
        self.ensure_one()
        credited = defaultdict(float)
        lines = self.invoice_line_ids.filtered(lambda aml: aml.display_type == "product")
        refunds = self.reversal_move_ids.filtered(lambda m: m.state != "cancel")
        for refund_line in refunds.invoice_line_ids.filtered(
            lambda aml: aml.display_type == "product"
        ):
            source = lines.filtered(
                lambda aml, r=refund_line: (
                    aml.sale_line_ids == r.sale_line_ids
                    and aml.product_id == r.product_id
                    and aml.currency_id.compare_amounts(aml.price_unit, r.price_unit) == 0
                )
            )[:1]
            if source:
                credited[source] += refund_line.product_uom_id._compute_quantity(
                    refund_line.quantity, source.product_uom_id, round=False
                )
        return credited

    def _postproduction_is_correctable(self):
        """A posted customer invoice of PostProduction (generated, or of a billed month)."""
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and bool(self.proforma_number or self.postproduction_period)
        )

    # ------------------------------------------------------------------ checks
    def _postproduction_check_correctable(self):
        if not self._postproduction_is_correctable():
            raise UserError(
                self.env._(
                    "Only a posted customer invoice of PostProduction can be corrected; "
                    "%(invoice)s is not one.",
                    invoice=self.display_name,
                )
            )

    def _postproduction_credits(self, corrections, billed):
        """The checked ``Credit`` of every corrected line that credits something."""
        credits = []
        for line, correction in corrections.items():
            if line not in billed:
                raise UserError(
                    self.env._(
                        'Invoice %(invoice)s bills nothing that can be corrected on "%(line)s".',
                        invoice=self.display_name,
                        line=line.display_name,
                    )
                )
            credit = Credit(
                line,
                billed[line] - correction.get("quantity", billed[line]),
                bool(correction.get("write_off")),
                correction.get("timesheets") or self.env["account.analytic.line"],
            )
            self._postproduction_check_credit(credit, billed[line])
            if not float_is_zero(credit.quantity, precision_rounding=_rounding(line)):
                credits.append(credit)
        return credits

    def _postproduction_check_credit(self, credit, billed):
        line, rounding = credit.line, _rounding(credit.line)
        label = line.name or line.product_id.display_name
        if (
            float_compare(credit.quantity, 0.0, precision_rounding=rounding) < 0
            or float_compare(credit.quantity, billed, precision_rounding=rounding) > 0
        ):
            raise UserError(
                self.env._(
                    'The corrected quantity of "%(line)s" must be between 0 and the invoiced '
                    "quantity, %(quantity)s.",
                    line=label,
                    quantity=billed,
                )
            )
        if credit.timesheets - self._postproduction_creditable_timesheets(line):
            raise UserError(
                self.env._(
                    'Only timesheets this invoice bills on "%(line)s" can be credited on it.',
                    line=label,
                )
            )
        picked = credit.timesheets.sudo()._postproduction_worth(line.product_uom_id)
        if credit.timesheets and float_compare(
            credit.quantity, picked, precision_rounding=rounding
        ):
            raise UserError(
                self.env._(
                    'On "%(line)s", the credited quantity (%(credited)s) must equal the '
                    "timesheets picked (%(picked)s): adjust one or the other.",
                    line=label,
                    credited=credit.quantity,
                    picked=picked,
                )
            )

    def _postproduction_check_schedule_returns(self, credits, billed):
        """Instalments return to invoice whole: every line of the order credited in full."""
        by_line = {credit.line: credit for credit in credits}
        for order in self._postproduction_schedule_orders(credits):
            lines = [line for line in billed if order in line.sale_line_ids.order_id]
            returned = any(line in by_line and not by_line[line].write_off for line in lines)
            whole = all(
                line in by_line
                and not by_line[line].write_off
                and not float_compare(
                    by_line[line].quantity, billed[line], precision_rounding=_rounding(line)
                )
                for line in lines
            )
            if returned and not whole:
                raise UserError(
                    self.env._(
                        "The instalments of schedule order %(order)s return to invoice whole: "
                        "set 0 on all its lines to return them, or write the difference off.",
                        order=order.name,
                    )
                )

    # ------------------------------------------------------------------ credit note
    def _postproduction_create_correction(self, credits, reason, date):
        """Odoo's reversal of the invoice (same customer, accounts, taxes, analytics and
        order lines), keeping only what ``credits`` credit.

        Returns the credit note and {credit: its credit note line}.
        """
        date = date or fields.Date.context_today(self)
        refund = self._reverse_moves(
            [
                {
                    "ref": self.env._(
                        "Correction of %(invoice)s: %(reason)s", invoice=self.name, reason=reason
                    ),
                    "date": date,
                    "invoice_date": date,
                    "postproduction_period": self.postproduction_period,
                }
            ]
        )
        # The reversal copies the invoice's lines in their order.
        copies = zip(
            self.invoice_line_ids.sorted("id"), refund.invoice_line_ids.sorted("id"), strict=True
        )
        by_line = {credit.line: credit for credit in credits}
        commands, refund_lines = [], {}
        for source, copy in copies:
            credit = by_line.get(source)
            if not credit:
                commands.append(Command.delete(copy.id))
                continue
            refund_lines[credit] = copy
            commands.append(
                Command.update(
                    copy.id,
                    {"quantity": credit.quantity, "postproduction_write_off": credit.write_off},
                )
            )
        refund.write({"invoice_line_ids": commands})
        return refund, refund_lines

    def _postproduction_reconcile_correction(self, refund):
        """Settle the invoice with its credit note when the invoice is still open."""
        receivables = (self.line_ids | refund.line_ids).filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable" and not aml.reconciled
        )
        if receivables.move_id == self | refund:
            receivables.reconcile()

    def _postproduction_schedule_orders(self, credits):
        return (
            self.env["sale.order"]
            .union(*(credit.line.sale_line_ids.order_id for credit in credits))
            .filtered(lambda order: order.postproduction_mode == "schedule")
        )

    def _postproduction_return_instalments(self, credits, refund):
        """The instalments the invoice billed on the orders returned whole are to invoice
        again (the next run invoices them); ``refund`` is kept on them, so that resetting
        or cancelling it bills them on the invoice again."""
        returned = [credit for credit in credits if not credit.write_off]
        orders = self._postproduction_schedule_orders(returned)
        if not orders:
            return
        instalments = (
            self.env["postproduction.schedule"]
            .sudo()
            .search([("order_id", "in", orders.ids), ("move_id", "=", self.id)])
        )
        instalments.write({"state": "to_invoice", "move_id": False, "credit_move_id": refund.id})
