import ast
import logging
import random
import threading
import time
from collections import defaultdict
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_date, frozendict, split_every

from ..calc import invoicing, periods, statuses, turnover_key

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "postproduction.group_postproduction_manager"

#: First key of the advisory locks a run takes on the orders it invoices (the second is
#: the order's id), so that no other lock of the database can collide with them.
ORDER_LOCK_NAMESPACE = 20260401


def _raise_if_concurrency(error):
    """Let a serialization failure or a deadlock reach Odoo, which retries the whole
    request (or the scheduled action): caught as one order's failure, it would report a
    PostgreSQL error where waiting and trying again succeeds."""
    if isinstance(error, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
        raise error


RESULTS = [
    ("generated", "Generated"),
    ("simulated", "Simulated"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
]


class PostproductionInvoiceRun(models.Model):
    """One generation of pro-forma invoices, real or simulated, with a result per line.

    ``generate()`` is the one entry point: the wizard, the dashboard's buttons, the
    scheduled action and any server action call it. Lines are dashboard rows
    (``postproduction.turnover``); an order is the unit of work: it is locked, checked
    again and invoiced in its own savepoint, so that a failing order does not stop the
    others and two runs never invoice the same order at the same time.
    """

    _name = "postproduction.invoice.run"
    _description = "PostProduction invoice run"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    period = fields.Date(string="Month", required=True, readonly=True)
    invoice_date = fields.Date(readonly=True)
    simulate = fields.Boolean(string="Test mode", readonly=True)
    mode = fields.Selection(
        [("final", "Final"), ("advance", "Advance")],
        required=True,
        default="final",
        readonly=True,
        help="Final: the month's production, deducting what was invoiced in advance. "
        "Advance: the month's forecast of the orders invoiced in advance, as a down payment.",
    )
    grouping = fields.Selection(
        [("order", "One invoice per order"), ("partner", "One invoice per customer")],
        required=True,
        default="order",
        readonly=True,
    )
    trigger = fields.Selection(
        [("manual", "By hand"), ("cron", "Scheduled action")],
        required=True,
        default="manual",
        readonly=True,
    )
    domain = fields.Char(readonly=True, help="The dashboard rows the run was asked for.")
    schedule_until = fields.Date(
        readonly=True, help="Only the instalments due up to this date are invoiced."
    )
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    date_start = fields.Datetime(string="Started", readonly=True)
    date_end = fields.Datetime(string="Ended", readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        required=True,
        default="running",
        readonly=True,
        index=True,
    )
    error = fields.Text(readonly=True)
    line_ids = fields.One2many("postproduction.invoice.run.line", "run_id", readonly=True)
    move_ids = fields.One2many(
        "account.move", "postproduction_run_id", string="Invoices", readonly=True
    )
    generated_count = fields.Integer(compute="_compute_counts")
    simulated_count = fields.Integer(compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    move_count = fields.Integer(string="Invoice count", compute="_compute_counts")
    amount = fields.Monetary(
        string="Untaxed amount",
        compute="_compute_counts",
        help="What the run invoiced, or would invoice in test mode, in the company's currency.",
    )

    @api.model
    def _month_label(self, month, lang=None):
        """ "November 2026" ("novembre 2026"), in ``lang`` or the user's language."""
        return format_date(self.env, month, lang_code=lang, date_format="MMMM y")

    # ------------------------------------------------------------------ computes
    @api.depends("period", "simulate", "trigger", "mode")
    def _compute_name(self):
        for run in self:
            month = run._month_label(run.period) if run.period else ""
            if run.mode == "advance":
                label = (
                    self.env._("Advance test run") if run.simulate else self.env._("Advance run")
                )
            else:
                label = self.env._("Test run") if run.simulate else self.env._("Run")
            run.name = f"{label} {month}"

    def _compute_counts(self):
        groups = self.env["postproduction.invoice.run.line"]._read_group(
            [("run_id", "in", self.ids)], ["run_id", "result"], ["__count", "amount_company:sum"]
        )
        counts = defaultdict(lambda: defaultdict(int))
        amounts = defaultdict(float)
        for run, result, count, amount in groups:
            counts[run.id][result] = count
            amounts[run.id] += amount if result in ("generated", "simulated") else 0.0
        moves = dict(
            self.env["account.move"]._read_group(
                [("postproduction_run_id", "in", self.ids)], ["postproduction_run_id"], ["__count"]
            )
        )
        for run in self:
            run_counts = counts[run.id]
            run.generated_count = run_counts["generated"]
            run.simulated_count = run_counts["simulated"]
            run.skipped_count = run_counts["skipped"]
            run.failed_count = run_counts["failed"]
            run.amount = amounts[run.id]
            run.move_count = moves.get(run, 0)

    # ------------------------------------------------------------------ entry point
    @api.model
    @api.returns("self", lambda run: run.id)  # the run's id over XML-RPC and JSON-RPC
    def generate(
        self,
        period,
        invoice_date=None,
        simulate=False,
        domain=None,
        mode="final",
        grouping="order",
        schedule_until=None,
        trigger="manual",
    ):
        """Invoice the dashboard rows of ``period`` matching ``domain`` and return the run.

        ``domain`` is a domain on ``postproduction.turnover`` (empty: the whole month of
        the current company). With ``simulate``, nothing is created but the run and its
        lines: each line tells what would be invoiced. Creates draft customer invoices
        numbered PF/YYYY/NNNNN, billing keys, and marks the invoiced instalments.

        ``mode`` ``final`` (the default) invoices the month's production and deducts the
        down payments that advanced it (a negative total becomes a credit note); it
        refuses a month not started yet. ``advance`` invoices the month's forecast of the
        orders invoiced in advance as down payments, from the company's preliminary
        invoice day of the month on (see the billing in advance section below).
        """
        self._check_can_generate()
        values = self._prepare_run_values(
            period, invoice_date, simulate, domain, grouping, schedule_until, trigger
        )
        values["mode"] = mode or "final"
        self._check_can_generate_month(values["period"], values["invoice_date"], values["mode"])
        self._check_invoice_date(values["invoice_date"], values["period"])
        run = self.create(values)
        run._execute()
        return run

    @api.model
    def _check_can_generate_month(self, period, invoice_date, mode):
        """Refuse a month the mode cannot invoice: the final invoice of a month not started
        yet, an advance before the month's preliminary invoice day (on ``invoice_date``)."""
        if mode not in invoicing.MODES:
            raise UserError(
                self.env._("Unknown generation mode %(mode)s: use final or advance.", mode=mode)
            )
        month = self._month_label(period)
        if mode == "final":
            if period > periods.month_start(fields.Date.context_today(self)):
                raise UserError(
                    self.env._(
                        "%(month)s has not started: only an advance can invoice it.",
                        month=month,
                    )
                )
            return
        company = self.env.company
        opening = invoicing.advance_opening(period, company.postproduction_preliminary_invoice_day)
        if not opening:
            raise UserError(
                self.env._(
                    "Advance invoicing is off in company %(company)s: set its preliminary "
                    "invoice day in the PostProduction settings.",
                    company=company.name,
                )
            )
        if invoice_date < opening:
            raise UserError(
                self.env._(
                    "Advance invoicing of %(month)s opens on %(date)s.",
                    month=month,
                    date=fields.Date.to_string(opening),
                )
            )

    @api.model
    def _check_can_generate(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(
                self.env._(
                    "Only a PostProduction manager can generate invoices: ask one to run the "
                    "generation, or to give you that right."
                )
            )

    @api.model
    def _prepare_run_values(
        self, period, invoice_date, simulate, domain, grouping, schedule_until, trigger
    ):
        period = self._parse_month(period)
        invoice_date = self._parse_invoice_date(invoice_date)
        return {
            "company_id": self.env.company.id,
            "period": period,
            "invoice_date": invoice_date,
            "simulate": simulate,
            "domain": self._serialize_domain(domain),
            "grouping": grouping or "order",
            "schedule_until": fields.Date.to_date(schedule_until),
            "trigger": trigger,
            "date_start": fields.Datetime.now(),
            "user_id": self.env.user.id,
        }

    @api.model
    def _parse_date(self, value, what):
        try:
            return fields.Date.to_date(value)
        except (TypeError, ValueError):
            raise UserError(
                self.env._(
                    "%(what)s must be a date (YYYY-MM-DD), not %(value)r.", what=what, value=value
                )
            ) from None

    @api.model
    def _parse_month(self, period):
        """The first day of the month ``period`` names; refuses none, a text that is not a
        date and a month the dashboard cannot hold."""
        day = self._parse_date(period, self.env._("The month to invoice"))
        if not day:
            raise UserError(self.env._("Give the month to invoice (any date of that month)."))
        first, last = turnover_key.representable_months()
        if not first <= periods.month_start(day) <= last:
            raise UserError(
                self.env._(
                    "%(month)s is outside the months PostProduction can hold (%(first)s to "
                    "%(last)s).",
                    month=self._month_label(periods.month_start(day)),
                    first=self._month_label(first),
                    last=self._month_label(last),
                )
            )
        return periods.month_start(day)

    @api.model
    def _parse_invoice_date(self, invoice_date):
        """The invoice date, today when none."""
        day = self._parse_date(invoice_date, self.env._("The invoice date"))
        return day or fields.Date.context_today(self)

    @api.model
    def _check_invoice_date(self, day, period):
        """Not before the billed month, and within a year of today."""
        today = fields.Date.context_today(self)
        if day < period:
            raise UserError(
                self.env._(
                    "The invoice date %(date)s falls before the month it bills (%(month)s).",
                    date=fields.Date.to_string(day),
                    month=self._month_label(period),
                )
            )
        if abs((day - today).days) > 366:
            raise UserError(
                self.env._(
                    "The invoice date %(date)s is more than a year away from today: check it.",
                    date=fields.Date.to_string(day),
                )
            )

    # ------------------------------------------------------------------ execution
    def _execute(self, commit=False):
        """Process the run's lines batch by batch; with ``commit``, commit each batch and
        report the progress to the scheduled action (never in tests)."""
        self.ensure_one()
        run = self.with_company(self.company_id)
        if run.mode == "advance":
            return run._execute_advance()
        rows = run._get_lines_to_invoice()
        orderless = rows.filtered(lambda row: not row.order_id)
        run._add_lines([run._prepare_skipped_line(row, row.status) for row in orderless])
        units = run._prepare_units(rows - orderless)
        if commit:
            run._commit()  # the run stands whatever a batch meets
        done = 0
        for batch in split_every(run._batch_size(), units, list):
            # An interruption loses the batch, never half of it.
            if commit:
                run._process_batch_committed(batch)
                done += len(batch)
                self.env["ir.cron"]._notify_progress(done=done, remaining=len(units) - done)
            else:
                run._process_batch_isolated(batch)
        self.write({"state": "done", "date_end": fields.Datetime.now()})
        return True

    def _process_batch_committed(self, batch, tries=5):
        """Process and commit one batch of the scheduled action; on a serialization
        failure or a deadlock (a user's run or timesheets beside it), roll the batch back
        and try it again after a random pause, as Odoo does for a request: Odoo's
        scheduled actions are not retried, a failure would postpone the month a day."""
        testing = getattr(threading.current_thread(), "testing", False)
        for attempt in range(1, tries + 1):
            try:
                self._process_batch_isolated(batch)
                self._commit()
                return
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if testing or attempt == tries:
                    raise
                self.env.cr.rollback()
                _logger.info("PostProduction: run %s, batch tried again (%s)", self.id, attempt)
                time.sleep(random.uniform(0.0, 2**attempt))

    def _commit(self):
        """Commit the work done so far, outside tests (Odoo forbids it there)."""
        if not getattr(threading.current_thread(), "testing", False):
            # Long runs of the scheduled action keep each batch done (see _execute).
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _batch_size(self):
        return 100

    def _row_domain(self):
        self.ensure_one()
        domain = [("period", "=", self.period), ("company_id", "=", self.company_id.id)]
        return domain + (ast.literal_eval(self.domain) if self.domain else [])

    @api.model
    def _serialize_domain(self, domain):
        """``domain`` as the text stored on the run (dates as strings)."""
        return repr(
            [
                tuple(fields.Date.to_string(v) if isinstance(v, date) else v for v in leaf)
                if isinstance(leaf, list | tuple)
                else leaf
                for leaf in (domain or [])
            ]
        )

    def _get_lines_to_invoice(self):
        """The dashboard rows of the run not processed yet (all of them, on a new run)."""
        self.ensure_one()
        rows = self.env["postproduction.turnover"]._rows(self._row_domain())
        if self.line_ids:
            seen = {(line.project_id.id, line.order_id.id) for line in self.line_ids}
            rows = rows.filtered(lambda row: (row.project_id.id, row.order_id.id) not in seen)
        return rows

    def _prepare_units(self, rows):
        """The orders of ``rows``, grouped into units of work: one per order, or one per
        customer (invoice address and currency) when invoices are grouped per customer."""
        self.ensure_one()
        orders = rows.order_id
        if self.grouping == "order":
            return list(orders)
        units = defaultdict(lambda: self.env["sale.order"])
        for order in orders:
            units[(order.partner_invoice_id.id, order.currency_id.id)] |= order
        return list(units.values())

    def _process_batch_isolated(self, units):
        """Process a batch in a savepoint; if it raises, each unit again in its own, and a
        unit that still raises gets its lines ``failed`` with the error: one order's
        failure (its plan, its checks, its invoice) is that order's only."""
        try:
            with self.env.cr.savepoint():
                self._process_batch(units)
            return
        except Exception as error:  # retried unit by unit below
            _raise_if_concurrency(error)
            if len(units) == 1:
                return self._fail_unit(units[0], error)
        for unit in units:
            try:
                with self.env.cr.savepoint():
                    self._process_batch([unit])
            except Exception as error:  # that unit only
                _raise_if_concurrency(error)
                self._fail_unit(unit, error)

    def _fail_unit(self, unit, error):
        """Record the unit's lines ``failed``, with the error it raised (logged)."""
        _logger.info("PostProduction: run %s, %s failed: %s", self.id, unit.mapped("name"), error)
        rows = self.env["postproduction.turnover"]._rows(
            [("period", "=", self.period), ("order_id", "in", unit.ids)]
        )
        self._add_lines(self._prepare_failed_lines(unit, rows.grouped("order_id"), error))

    def _process_batch(self, units):
        """Lock, check again and invoice the units of one batch.

        The batch's fresh dashboard rows are read after the locks are taken, so that what
        another run invoiced in the meantime is seen. The batch's invoices are created
        together in one savepoint; if that fails, each unit is created again in its own
        savepoint, so that only the failing unit is reported ``failed``.
        """
        orders = self.env["sale.order"].concat(*units)
        locked = set(orders.ids) if self.simulate else self._lock_orders(orders)
        rows = self.env["postproduction.turnover"]._rows(
            [("period", "=", self.period), ("order_id", "in", orders.ids)]
        )
        rows_by_order = rows.grouped("order_id")
        lines, ready_units = [], []
        for unit in units:
            held, ready = self._process_unit(unit, rows_by_order, locked)
            lines += held
            if ready:
                ready_units.append(ready)
        ready = self.env["sale.order"].concat(*ready_units)
        plans = ready._postproduction_invoice_plans(self.period, self.schedule_until)
        for order in ready.filtered(lambda o: not plans[o.id]):
            lines += self._nothing_left_lines(order, rows_by_order.get(order))
        billable_units = [
            billable for unit in ready_units if (billable := unit.filtered(lambda o: plans[o.id]))
        ]
        if self.simulate:
            billable = self.env["sale.order"].concat(*billable_units)
            lines += self._prepare_result_lines(billable, rows_by_order, plans, "simulated")
        else:
            lines += self._invoice_units(billable_units, rows_by_order, plans)
        self._add_lines(lines)

    def _lock_orders(self, orders):
        """Take the generation lock of each order; returns the ids it could take.

        Transaction-level advisory locks: released at the commit, not waited for: an
        order another run holds is reported ``locked by another run``.
        """
        if not orders:
            return set()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM unnest(%s::int[]) AS id WHERE pg_try_advisory_xact_lock(%s, id)",
                orders.ids,
                ORDER_LOCK_NAMESPACE,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _process_unit(self, unit, rows_by_order, locked):
        """(skipped lines, orders ready) of one unit (one order, or a customer's orders)."""
        lines, ready = [], self.env["sale.order"]
        for order in unit:
            rows = rows_by_order.get(order, self.env["postproduction.turnover"])
            held = self._hold_order(order, rows, locked)
            if held:
                lines += held
            else:
                ready |= order
        return lines, ready

    def _hold_order(self, order, rows, locked):
        """The skipped lines of an order that cannot be invoiced now, or an empty list."""
        if order.id not in locked:
            return [self._prepare_skipped_line(row, "locked") for row in rows]
        blocking = rows.filtered(lambda row: row.status in invoicing.ORDER_BLOCKING_STATUSES)[:1]
        if blocking:
            return [
                self._prepare_skipped_line(row, row.status)
                if row.status in invoicing.ORDER_BLOCKING_STATUSES
                else self._prepare_skipped_line(row, "blocked_order", blocking=blocking)
                for row in rows
            ]
        if all(row.status != "to_invoice" for row in rows):
            return [self._prepare_skipped_line(row, row.status) for row in rows]
        return []

    def _nothing_left_lines(self, order, rows):
        """Lines of an order whose rows said ``to invoice`` but that has nothing left to
        invoice once locked: another run billed it, or nothing valued remains."""
        kinds = [self._billing_kind(order)]
        billed = self.env["postproduction.billing.key"]._billed_orders(
            order.ids, self.period, kinds
        )
        code = "already_invoiced" if billed else "nothing_to_invoice"
        return [self._prepare_skipped_line(row, code) for row in rows or []]

    # ------------------------------------------------------------------ invoices
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
        moves = orders.with_context(**context)._create_invoices(
            grouped=self.grouping == "order", final=deducts
        )
        move_of = self._move_by_order(moves)
        for order in orders:
            instalments = plans[order.id].instalments
            if instalments:
                instalments.write({"state": "invoiced", "move_id": move_of[order.id].id})
        return moves

    @api.model
    def _move_by_order(self, moves):
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
        kind = {order.id: self._billing_kind(order) for order in orders}
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
    def _billing_kind(self, order):
        return "schedule" if order.postproduction_mode == "schedule" else "production"

    def _link_invoice_lines(self, keys, moves):
        """Point each invoice line at the key of its order line's row (one query)."""
        key_of = {(key.project_id.id or False, key.order_id.id): key.id for key in keys}
        first_of_order = {}
        for key in keys:
            first_of_order.setdefault(key.order_id.id, key.id)
        pairs = []
        projects = self._projects_of_sale_lines(moves.invoice_line_ids.sale_line_ids)
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
    def _projects_of_sale_lines(self, sale_lines):
        """{order line id: project id or False}: the project an order line's activity
        belongs to, its deliveries', else its own (read for all the lines at once)."""
        return {
            line.id: (line.postproduction_delivery_ids.project_id[:1] or line.project_id).id
            for line in sale_lines
        }

    # ------------------------------------------------------------------ result lines
    def _prepare_result_lines(self, orders, rows_by_order, plans, result, moves=None):
        """One line per row of ``orders``: the row's share of its order's plan.

        A row's share is the amount of the order lines whose activity belongs to its
        project; the order's other lines go to its first row. A row with no share is
        skipped with the reason its status gives.
        """
        lines = []
        move_of = self._move_by_order(moves or self.env["account.move"])
        line_ids = [line_id for order in orders for line_id in plans[order.id].amounts]
        projects = self._projects_of_sale_lines(self.env["sale.order.line"].browse(line_ids))
        for order in orders:
            rows = rows_by_order.get(order, self.env["postproduction.turnover"])
            move = move_of.get(order.id, self.env["account.move"])
            shares = self._row_shares(order, rows, plans[order.id].amounts, projects)
            for row, amount in shares:
                if order.currency_id.is_zero(amount):
                    lines.append(self._prepare_skipped_line(row, self._reason_of_empty_row(row)))
                else:
                    lines.append(
                        self._prepare_line(
                            row, result, amount=amount, move_id=move.id, currency=order.currency_id
                        )
                    )
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
    def _reason_of_empty_row(self, row):
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
            values.update(reason_code=code, reason=self._reason_text(code, **params))
        return values

    def _add_lines(self, values):
        if values:
            self.env["postproduction.invoice.run.line"].create(values)

    def _reason_text(self, code, blocking=None):
        """The sentence that tells the accountant why a line was not invoiced."""
        if code == "blocked_order":
            reason = invoicing.reason_of_status(blocking.status)
            return self.env._(
                statuses.REASON[code].text,
                project=blocking.project_id.display_name,
                reason=self._reason_text(reason),
            )
        return self.env._(statuses.REASON[code].text)

    # ------------------------------------------------------------------ buttons
    def action_open_result(self):
        """The run's result screen."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": self._name,
            "res_id": self.id,
            "views": [
                (self.env.ref("postproduction.postproduction_invoice_run_view_form").id, "form")
            ],
            "target": "current",
        }

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_proforma_invoice"
        )
        action["domain"] = [("postproduction_run_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": 0}
        return action

    # ------------------------------------------------------------------ scheduled action
    @api.model
    def _cron_generate_due_invoices(self):
        """Scheduled action: invoice what is due today in every company."""
        self._generate_due_invoices(fields.Date.context_today(self))

    @api.model
    def _generate_due_invoices(self, date_ref):
        """Invoice, in each company that chose automatic generation, the instalments due up
        to ``date_ref`` and, from the company's monthly invoicing day on, last month's
        production; never what is due before the company's start date.

        Resumes the scheduled runs an interruption left running; commits per batch
        (outside tests). Returns the runs.
        """
        runs = self.browse()
        companies = self.env["res.company"].search([("postproduction_auto_invoice", "=", True)])
        for company in companies:
            this = self.with_company(company).with_context(allowed_company_ids=[company.id])
            runs |= this._generate_company_due_invoices_isolated(company, date_ref)
        return runs

    @api.model
    def _generate_company_due_invoices_isolated(self, company, date_ref):
        """One company's due invoices; what it raises is logged and undone, and the next
        companies are processed all the same (the scheduled action does not fail)."""
        # Odoo's tests can neither commit nor roll back: a savepoint stands in for both.
        testing = getattr(threading.current_thread(), "testing", False)
        savepoint = self.env.cr.savepoint() if testing else None
        try:
            runs = self._generate_company_due_invoices(company, date_ref)
        except Exception as error:
            _raise_if_concurrency(error)
            _logger.exception("PostProduction: the due invoices of %s failed", company.name)
            if savepoint:
                savepoint.close(rollback=True)
            else:
                self.env.cr.rollback()
            return self.browse()
        if savepoint:
            savepoint.close(rollback=False)
        return runs

    @api.model
    def _generate_company_due_invoices(self, company, date_ref):
        runs = self.browse()
        for period, domain, until in self._due_work(company, date_ref):
            run = self._resumable_run(period, domain) or self.create(
                self._prepare_run_values(period, date_ref, False, domain, "order", until, "cron")
            )
            run._execute(commit=True)
            runs |= run
        return runs

    @api.model
    def _due_work(self, company, date_ref):
        """[(month, row domain, instalments until)] due on ``date_ref`` for ``company``."""
        work = []
        since = company.postproduction_auto_invoice_from
        if not since or since > date_ref:
            return work
        due = self.env["postproduction.schedule"]._read_group(
            [
                ("company_id", "=", company.id),
                ("state", "=", "to_invoice"),
                ("date", ">=", since),
                ("date", "<=", date_ref),
                ("order_id.postproduction_mode", "=", "schedule"),
                ("order_id.state", "=", "sale"),
            ],
            ["date:month"],
        )
        for (month,) in due:
            start, end = periods.month_bounds(month)
            orders = (
                self.env["postproduction.schedule"]
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("state", "=", "to_invoice"),
                        ("date", ">=", max(start, since)),
                        ("date", "<=", min(end, date_ref)),
                    ]
                )
                .order_id
            )
            domain = [("mode", "=", "schedule"), ("order_id", "in", sorted(orders.ids))]
            work.append((start, domain, date_ref))
        last_month = invoicing.monthly_invoicing_due(date_ref, company.postproduction_invoicing_day)
        if (
            last_month
            and last_month >= since.replace(day=1)
            and not self._done_cron_run(company, last_month)
        ):
            work.append((last_month, [("mode", "=", "monthly")], None))
        return work

    @api.model
    def _done_cron_run(self, company, period):
        """Whether a scheduled run went through ``period``: one whose lines were all
        locked by another run or failed did not, and the month is tried again."""
        runs = self.search(
            [
                ("company_id", "=", company.id),
                ("period", "=", period),
                ("trigger", "=", "cron"),
                ("state", "=", "done"),
                ("domain", "=", self._serialize_domain([("mode", "=", "monthly")])),
            ]
        )
        return any(run._went_through() for run in runs)

    def _went_through(self):
        """Whether the run reached at least one of its orders (or had none to reach)."""
        self.ensure_one()
        lines = self.line_ids.filtered("order_id")
        return not lines or any(
            line.result != "failed" and line.reason_code != "locked" for line in lines
        )

    @api.model
    def _resumable_run(self, period, domain):
        return self.search(
            [
                ("company_id", "=", self.env.company.id),
                ("period", "=", period),
                ("trigger", "=", "cron"),
                ("state", "=", "running"),
                ("domain", "=", self._serialize_domain(domain)),
            ],
            limit=1,
        )
