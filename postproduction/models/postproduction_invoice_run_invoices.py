import logging

from odoo import api, models
from odoo.tools import SQL, frozendict

from ..calc import periods
from .postproduction_invoice_run import _raise_if_concurrency

_logger = logging.getLogger(__name__)


class PostproductionInvoiceRun(models.Model):
    """A run's invoices: Odoo's own ``_create_invoices`` on the orders, with the plan of
    each, then the billing keys that make a month billed once."""

    _inherit = "postproduction.invoice.run"

    def _invoice_units(self, units, rows_by_order, plans):
        """Invoice the units; the result lines. All at once, else unit by unit."""
        if not units:
            return []
        try:
            with self.env.cr.savepoint():
                return self._invoice_orders(
                    self.env["sale.order"].concat(*units), rows_by_order, plans
                )
        except Exception as error:  # retried unit by unit below
            _raise_if_concurrency(error)
            if len(units) == 1:
                return self._invoice_unit(units[0], rows_by_order, plans)
        lines = []
        for unit in units:
            lines += self._invoice_unit(unit, rows_by_order, plans)
        return lines

    def _invoice_unit(self, unit, rows_by_order, plans):
        """Invoice one unit in its own savepoint; a failure is reported on its lines."""
        try:
            with self.env.cr.savepoint():
                return self._invoice_orders(unit, rows_by_order, plans)
        except Exception as error:  # any error fails this unit only
            _raise_if_concurrency(error)
            _logger.info("PostProduction: invoicing %s failed: %s", unit.mapped("name"), error)
            return self._prepare_failed_lines(unit, rows_by_order, error)

    def _invoice_orders(self, orders, rows_by_order, plans):
        """Create the invoices of ``orders`` and their billing keys; the result lines."""
        moves = self._create_invoices(orders, plans)
        result = self._prepare_result_lines(orders, rows_by_order, plans, "generated", moves)
        self._create_billing_keys(orders, result, moves)
        return result

    def _invoice_context(self, plans):
        start, end = periods.month_bounds(self.period)
        plan_values = {}
        for plan in plans.values():
            plan_values.update({line_id: frozendict(vals) for line_id, vals in plan.values.items()})
        return {
            "timesheet_start_date": start,
            "timesheet_end_date": end,
            "postproduction_invoice_plan": frozendict(plan_values),
            "postproduction_invoice_values": frozendict(self._prepare_invoice_values()),
            "raise_if_nothing_to_invoice": False,
        }, plan_values

    def _prepare_invoice_values(self):
        """Values every invoice of the run gets, over the order's own."""
        return {
            "invoice_date": self.invoice_date,
            "postproduction_period": self.period,
            "postproduction_run_id": self.id,
        }

    def _create_invoices(self, orders, plans):
        """Create the draft invoices of ``orders`` from their plans, through Odoo's own
        ``_create_invoices`` and period mechanism; numbers them and marks the invoiced
        instalments. Returns the invoices."""
        context, plan_values = self._invoice_context({o.id: plans[o.id] for o in orders})
        orders._postproduction_check_invoiceable(plan_values)
        start, end = context["timesheet_start_date"], context["timesheet_end_date"]
        monthly = orders.filtered(lambda order: order.postproduction_mode == "monthly")
        monthly.order_line._recompute_qty_to_invoice(start, end)
        # Deducting a down payment is Odoo's final invoice: a negative one is a credit note.
        deducts = any(
            line.is_downpayment for line in self.env["sale.order.line"].browse(list(plan_values))
        )
        moves = self.env["account.move"]
        for batch in self._split_by_reference(orders)[0]:
            moves |= batch.with_context(**context)._create_invoices(
                grouped=self.grouping == "order", final=deducts
            )
        move_of = self._get_move_by_order(moves)
        for order in orders:
            instalments = plans[order.id].instalments
            if instalments:
                instalments.write({"state": "invoiced", "move_id": move_of[order.id].id})
        return moves

    @api.model
    def _get_move_by_order(self, moves):
        """{order id: the invoice among ``moves`` that bills it}."""
        move_of = {}
        for line in moves.invoice_line_ids:
            for order in line.sale_line_ids.order_id:
                move_of.setdefault(order.id, line.move_id)
        return move_of

    def _create_billing_keys(self, orders, result_lines, moves):
        """One key per invoiced row, holding its invoice; the invoice lines link to it.

        The database refuses a second key for the same row, month, kind and sequence.
        """
        kind = {order.id: self._get_billing_kind(order) for order in orders}
        generated = [line for line in result_lines if line["result"] == "generated"]
        identity = [
            (line["project_id"] or False, line["order_id"], self.period, kind[line["order_id"]])
            for line in generated
        ]
        sequences = self.env["postproduction.billing.key"]._next_sequences(identity)
        keys = (
            self.env["postproduction.billing.key"]
            .sudo()
            .create(
                [
                    {
                        "company_id": self.company_id.id,
                        "project_id": project_id,
                        "order_id": order_id,
                        "period": period,
                        "kind": key_kind,
                        "sequence": sequences[(project_id, order_id, period, key_kind)],
                        "move_id": line["move_id"],
                        "run_id": self.id,
                        "amount": line["amount"],
                    }
                    for line, (project_id, order_id, period, key_kind) in zip(
                        generated, identity, strict=True
                    )
                ]
            )
        )
        self._link_invoice_lines(keys, moves)

    @api.model
    def _get_billing_kind(self, order):
        return "schedule" if order.postproduction_mode == "schedule" else "production"

    def _link_invoice_lines(self, keys, moves):
        """Point each invoice line at the key of its order line's row (one query)."""
        key_of = {(key.project_id.id or False, key.order_id.id): key.id for key in keys}
        first_of_order = {}
        for key in keys:
            first_of_order.setdefault(key.order_id.id, key.id)
        pairs = []
        projects = self._get_projects_of_sale_lines(moves.invoice_line_ids.sale_line_ids)
        for invoice_line in moves.invoice_line_ids:
            sale_line = invoice_line.sale_line_ids[:1]
            if not sale_line:
                continue
            project_id = projects[sale_line.id]
            key_id = key_of.get((project_id, sale_line.order_id.id)) or first_of_order.get(
                sale_line.order_id.id
            )
            if key_id:
                pairs.append((invoice_line.id, key_id))
        if pairs:
            self.env["account.move.line"].flush_model(["postproduction_billing_key_id"])
            self.env.cr.execute(
                SQL(
                    """UPDATE account_move_line l SET postproduction_billing_key_id = v.key_id
                         FROM (VALUES %s) AS v(line_id, key_id) WHERE l.id = v.line_id""",
                    SQL(", ").join(SQL("(%s, %s)", line_id, key_id) for line_id, key_id in pairs),
                )
            )
            self.env["account.move.line"].invalidate_model(["postproduction_billing_key_id"])

    @api.model
    def _get_projects_of_sale_lines(self, sale_lines):
        """{order line id: project id or False}: the project an order line's activity
        belongs to, its deliveries', else its own (read for all the lines at once)."""
        return {
            line.id: (line.postproduction_delivery_ids.project_id[:1] or line.project_id).id
            for line in sale_lines
        }
