import logging
import threading

from odoo import api, fields, models

from ..calc import invoicing, periods
from .postproduction_invoice_run import _raise_if_concurrency

_logger = logging.getLogger(__name__)


class PostproductionInvoiceRun(models.Model):
    """The scheduled action: each company's due instalments and, from its monthly invoicing
    day, last month's production, once per month, resumable after a crash."""

    _inherit = "postproduction.invoice.run"

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
