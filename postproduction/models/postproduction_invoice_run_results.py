import logging

from odoo import api, models
from odoo.exceptions import UserError

from ..calc import invoicing, statuses

_logger = logging.getLogger(__name__)


class PostproductionInvoiceRun(models.Model):
    """A run's result lines: one per dashboard row, generated, simulated, skipped with its
    reason or failed with its error."""

    _inherit = "postproduction.invoice.run"

    def _prepare_result_lines(self, orders, rows_by_order, plans, result, moves=None):
        """One line per row of ``orders``: the row's share of its order's plan.

        A row's share is the amount of the order lines whose activity belongs to its
        project; the order's other lines go to its first row. A row with no share is
        skipped with the reason its status gives.
        """
        lines = []
        move_of = self._get_move_by_order(moves or self.env["account.move"])
        line_ids = [line_id for order in orders for line_id in plans[order.id].amounts]
        projects = self._get_projects_of_sale_lines(self.env["sale.order.line"].browse(line_ids))
        split = self._split_by_reference(orders)[1]
        for order in orders:
            warning = self._get_einvoice_warning(order, split) or False
            rows = rows_by_order.get(order, self.env["postproduction.turnover"])
            move = move_of.get(order.id, self.env["account.move"])
            shares = self._row_shares(order, rows, plans[order.id].amounts, projects)
            for row, amount in shares:
                if order.currency_id.is_zero(amount):
                    lines.append(
                        self._prepare_skipped_line(row, self._get_reason_of_empty_row(row))
                    )
                else:
                    line = self._prepare_line(
                        row, result, amount=amount, move_id=move.id, currency=order.currency_id
                    )
                    lines.append(dict(line, einvoice_warning=warning))
        return lines

    def _row_shares(self, order, rows, amounts, projects):
        """[(row, amount)] of ``order``'s plan amounts spread over its rows (``projects``:
        the project id of each order line)."""
        shares = dict.fromkeys(rows, 0.0)
        first = rows.filtered(lambda r: r.status == "to_invoice")[:1] or rows[:1]
        orphan = 0.0
        row_of_project = {row.project_id.id: row for row in reversed(rows)}
        for line_id, amount in amounts.items():
            row = row_of_project.get(projects[line_id]) if projects[line_id] else None
            if row:
                shares[row] += amount
            else:
                orphan += amount
        if first:
            shares[first] += orphan
        elif not order.currency_id.is_zero(orphan):
            # No dashboard row (it appears when the view is rebuilt): report the order.
            return [(self.env["postproduction.turnover"], orphan)]
        return list(shares.items())

    @api.model
    def _get_reason_of_empty_row(self, row):
        return invoicing.reason_of_status(row.status) or "nothing_to_invoice"

    def _prepare_failed_lines(self, orders, rows_by_order, error):
        message = error.args[0] if isinstance(error, UserError) and error.args else str(error)
        lines = []
        for order in orders:
            rows = rows_by_order.get(order) or [self.env["postproduction.turnover"]]
            for row in rows:
                line = self._prepare_line(row, "failed", order=order)
                line.update(reason_code="error", reason=message)
                lines.append(line)
        return lines

    def _prepare_skipped_line(self, row, status_or_code, **params):
        code = invoicing.reason_of_status(status_or_code) or status_or_code
        if code == "to_invoice":
            code = "nothing_to_invoice"
        return self._prepare_line(row, "skipped", code=code, **params)

    def _prepare_line(self, row, result, amount=0.0, move_id=False, code=None, **params):
        """The values of a result line: ``row`` (a dashboard row, or none in an advance
        run), its ``result``, the amount invoiced and, when ``code``, the reason.

        ``params``: ``order``, ``project`` and ``currency`` when they are not the row's
        (an advance run's line is of an order), the rest for the reason's text.
        """
        order = params.pop("order", None) or row.order_id
        project = params.pop("project", None) or row.project_id
        currency = (
            params.pop("currency", None) or order.currency_id or row.currency_id or self.currency_id
        )
        values = {
            "run_id": self.id,
            "project_id": project.id or False,
            "order_id": order.id or False,
            "partner_id": (order.partner_id or row.partner_id).id or False,
            "status": row.status or False,
            "result": result,
            "move_id": move_id or False,
            "amount": amount,
            "currency_id": currency.id,
            "amount_company": currency._convert(
                amount, self.currency_id, self.company_id, self.invoice_date
            )
            if amount and currency != self.currency_id
            else amount,
        }
        if code:
            values.update(reason_code=code, reason=self._get_reason_text(code, **params))
        return values

    def _add_lines(self, values):
        if values:
            self.env["postproduction.invoice.run.line"].create(values)

    def _get_reason_text(self, code, blocking=None, problems=None):
        """The sentence that tells the accountant why a line was not invoiced."""
        if code == "einvoice":
            return self.env._(statuses.REASON[code].text, problems=" ".join(problems))
        if code == "blocked_order":
            reason = invoicing.reason_of_status(blocking.status)
            return self.env._(
                statuses.REASON[code].text,
                project=blocking.project_id.display_name,
                reason=self._get_reason_text(reason),
            )
        return self.env._(statuses.REASON[code].text)
