"""Billing in advance: a run in ``advance`` mode invoices the month's forecast of the
selected orders as down payments, which the month's final invoice deducts."""

import ast
import logging

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import frozendict, split_every

from .postproduction_invoice_run import _raise_if_concurrency

_logger = logging.getLogger(__name__)

#: Dashboard fields a run's domain may select orders by, with the order field each means.
ADVANCE_ORDER_FIELDS = {
    "order_id": "id",
    "partner_id": "partner_id",
    "project_id": "postproduction_delivery_ids.project_id",
    "project_type_id": "postproduction_delivery_ids.project_id.postproduction_type_id",
    "mode": "postproduction_mode",
    "company_id": "company_id",
}


class PostproductionInvoiceRun(models.Model):
    _inherit = "postproduction.invoice.run"

    def _execute_advance(self):
        """Invoice the forecast of the selected orders in advance, batch by batch.

        Creates down payment order lines, their draft invoices (pro-forma numbered) and
        billing keys of kind ``advance``; in test mode, only the run's lines.
        """
        self.ensure_one()
        orders = self._get_advance_orders()
        for batch in split_every(self._get_batch_size(), orders.ids, self.env["sale.order"].browse):
            with self.env.cr.savepoint():
                self._process_advance_batch(batch)
        self.write({"state": "done", "date_end": fields.Datetime.now()})
        return True

    def _get_advance_orders(self):
        """The confirmed orders of the run's company its domain selects: those invoiced in
        advance, and, when the domain names orders or rows, the others too (they are
        reported as not invoiced in advance)."""
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id), ("state", "=", "sale")]
        explicit = False
        for leaf in ast.literal_eval(self.domain) if self.domain else []:
            if not isinstance(leaf, list | tuple):
                domain.append(leaf)
                continue
            name, operator, value = leaf
            if name == "id":
                rows = self.env["postproduction.turnover"]._rows([("id", operator, value)])
                domain.append(("id", "in", rows.order_id.ids))
                explicit = True
            elif name in ADVANCE_ORDER_FIELDS:
                domain.append((ADVANCE_ORDER_FIELDS[name], operator, value))
                explicit = explicit or name == "order_id"
            else:
                raise UserError(
                    self.env._(
                        "An advance cannot select orders by %(field)s: select them by order, "
                        "customer, project or project type.",
                        field=name,
                    )
                )
        if not explicit:
            domain.append(("postproduction_invoice_in_advance", "=", True))
        return self.env["sale.order"].search(domain, order="id")

    def _process_advance_batch(self, orders):
        """Check and invoice in advance one batch of orders, each in its own savepoint."""
        locked = set(orders.ids) if self.simulate else self._lock_orders(orders)
        advanced = self.env["postproduction.billing.key"]._billed_orders(
            orders.ids, self.period, ["advance"]
        )
        forecasts = orders._postproduction_advance_forecasts(self.period)
        lines = []
        for order in orders:
            amount = order.currency_id.round(sum(forecasts[order.id].values()))
            if not order.postproduction_invoice_in_advance:
                lines.append(self._prepare_advance_line(order, "skipped", code="not_in_advance"))
            elif order.id not in locked:
                lines.append(self._prepare_advance_line(order, "skipped", code="locked"))
            elif order.id in advanced:
                lines.append(self._prepare_advance_line(order, "skipped", code="already_advanced"))
            elif order.currency_id.compare_amounts(amount, 0) <= 0:
                lines.append(self._prepare_advance_line(order, "skipped", code="nothing_forecast"))
            elif held := self._hold_advance_for_einvoice(order):
                lines.append(held)
            elif self.simulate:
                lines.append(self._prepare_advance_line(order, "simulated", amount=amount))
            else:
                lines.append(self._invoice_advance(order, forecasts[order.id], amount))
        self._add_lines(lines)

    def _invoice_advance(self, order, amounts, amount):
        """The result line of invoicing ``amounts`` of ``order`` in advance, in a savepoint
        (a failure is reported on the line)."""
        try:
            with self.env.cr.savepoint():
                move = self._create_advance_invoice(order, amounts)
                line = self._prepare_advance_line(order, "generated", amount=amount, move=move)
                self._create_advance_key(order, move, amount, line["project_id"])
                return line
        except Exception as error:  # any error fails this order only
            _raise_if_concurrency(error)
            _logger.info("PostProduction: advance of %s failed: %s", order.name, error)
            line = self._prepare_advance_line(order, "failed")
            message = error.args[0] if isinstance(error, UserError) and error.args else str(error)
            line.update(reason_code="error", reason=message)
            return line

    def _create_advance_invoice(self, order, amounts):
        """Create the down payment lines of ``order`` and their draft invoice, through Odoo's
        ``_create_invoices``; returns the invoice."""
        lang = order.partner_id.lang or self.env.lang
        label = self.with_context(lang=lang).env._(
            "Advance for %(month)s", month=self._get_month_label(self.period, lang)
        )
        down_payments = order._postproduction_create_advance_lines(self.period, amounts, label)
        plan = {
            line.id: frozendict(
                {"quantity": 1.0, "name": label, **({"account_id": account.id} if account else {})}
            )
            for line, account in down_payments.items()
        }
        order._postproduction_check_invoiceable({})
        context = {
            "postproduction_invoice_plan": frozendict(plan),
            "postproduction_invoice_values": frozendict(self._prepare_invoice_values()),
            "raise_if_nothing_to_invoice": False,
        }
        move = order.with_context(**context)._create_invoices(grouped=True, final=False)
        if not move:
            raise UserError(
                self.env._("No invoice was created for order %(order)s.", order=order.name)
            )
        return move

    def _create_advance_key(self, order, move, amount, project_id):
        """The ``advance`` key of the order's month (the database refuses a second one
        while the first invoice stands); the down payment invoice lines point at it."""
        key = (
            self.env["postproduction.billing.key"]
            .sudo()
            .create(
                {
                    "company_id": self.company_id.id,
                    "project_id": project_id,
                    "order_id": order.id,
                    "period": self.period,
                    "kind": "advance",
                    "sequence": 1,
                    "move_id": move.id,
                    "run_id": self.id,
                    "amount": amount,
                }
            )
        )
        move.invoice_line_ids.filtered("is_downpayment").write(
            {"postproduction_billing_key_id": key.id}
        )
        return key

    def _prepare_advance_line(self, order, result, amount=0.0, move=None, code=None, **params):
        """The result line of ``order`` in an advance run (on the order's project), with
        what a platform would reject of its invoice when it is invoiced."""
        line = self._prepare_line(
            self.env["postproduction.turnover"],
            result,
            amount=amount,
            move_id=move.id if move else False,
            code=code,
            order=order,
            project=order.postproduction_delivery_ids.project_id[:1] or order.project_id,
            **params,
        )
        if result in ("generated", "simulated"):
            line["einvoice_warning"] = "\n".join(self._get_einvoice_problems(order)) or False
        return line
