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
from odoo.tools import SQL, format_date, split_every

from ..calc import invoicing, periods, turnover_key

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
    def _get_month_label(self, month, lang=None):
        """ "November 2026" ("novembre 2026"), in ``lang`` or the user's language."""
        return format_date(self.env, month, lang_code=lang, date_format="MMMM y")

    # ------------------------------------------------------------------ computes
    @api.depends("period", "simulate", "trigger", "mode")
    def _compute_name(self):
        for run in self:
            month = run._get_month_label(run.period) if run.period else ""
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
        month = self._get_month_label(period)
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
                    month=self._get_month_label(periods.month_start(day)),
                    first=self._get_month_label(first),
                    last=self._get_month_label(last),
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
                    month=self._get_month_label(period),
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
        for batch in split_every(run._get_batch_size(), units, list):
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
    def _get_batch_size(self):
        return 100

    def _get_row_domain(self):
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
        rows = self.env["postproduction.turnover"]._rows(self._get_row_domain())
        if self.line_ids:
            seen = {(line.project_id.id, line.order_id.id) for line in self.line_ids}
            rows = rows.filtered(lambda row: (row.project_id.id, row.order_id.id) not in seen)
        return rows

    def _prepare_units(self, rows):
        """The orders of ``rows``, grouped into units of work: one per order, or one per
        customer (invoice address and currency, and order reference for the customers
        that take one per invoice) when invoices are grouped per customer."""
        self.ensure_one()
        orders = rows.order_id
        if self.grouping == "order":
            return list(orders)
        units = defaultdict(lambda: self.env["sale.order"])
        for order in orders:
            key = (order.partner_invoice_id.id, order.currency_id.id)
            units[(*key, self._get_reference_split_key(order))] |= order
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
        return self._hold_for_einvoice(order, rows)

    def _nothing_left_lines(self, order, rows):
        """Lines of an order whose rows said ``to invoice`` but that has nothing left to
        invoice once locked: another run billed it, or nothing valued remains."""
        kinds = [self._get_billing_kind(order)]
        billed = self.env["postproduction.billing.key"]._billed_orders(
            order.ids, self.period, kinds
        )
        code = "already_invoiced" if billed else "nothing_to_invoice"
        return [self._prepare_skipped_line(row, code) for row in rows or []]

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
