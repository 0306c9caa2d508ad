from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL


class ResCompany(models.Model):
    _inherit = "res.company"

    postproduction_validated_timesheets_only = fields.Boolean(
        string="Invoice validated timesheets only",
        help="When set, an order line's delivered quantity counts only the validated "
        "timesheets; otherwise every timesheet counts, as in standard Odoo. Switching it on "
        "validates the company's draft timesheets of that moment, so that nothing already "
        "delivered stops being billable.",
    )
    postproduction_day_product_id = fields.Many2one(
        "product.product",
        string="Default consultant day product",
        domain="[('type', '=', 'service'), ('service_type', '=', 'timesheet')]",
        help="Service product invoiced for a resource delivery when the delivery names none.",
    )

    # ------------------------------------------------------------------ invoice generation
    postproduction_invoicing_day = fields.Integer(
        string="Monthly invoicing day",
        help="Day of the month (1-28) from which the scheduled action invoices last month's "
        "production; empty (0) to invoice it by hand only.",
    )

    postproduction_auto_invoice = fields.Boolean(
        string="Automatic invoice generation",
        help="When set, a daily scheduled action creates the pro-forma invoices of the "
        "instalments due and, from the monthly invoicing day, of last month's production; "
        "never for what is due before the start date.",
    )

    postproduction_auto_invoice_from = fields.Date(
        string="Automatic generation from",
        help="Instalments due and months before this date are never invoiced "
        "automatically, only by hand.",
    )

    postproduction_preliminary_invoice_day = fields.Integer(
        string="Preliminary invoice day",
        help="Day of the month (1-28) from which the month's forecast of the orders invoiced "
        "in advance can be invoiced as a down payment; empty (0): no advance invoicing.",
    )

    # ------------------------------------------------------------------ e-invoicing
    postproduction_vat_on_debits = fields.Boolean(
        string="VAT on debits",
        help="The company opted to pay VAT on its debits (option pour le paiement de la taxe "
        "d'après les débits): its invoices print the mandatory mention, and their e-invoice "
        "carries it as a note of subject TXD.",
    )
    postproduction_einvoice_check = fields.Selection(
        [("flag", "Create them, flagged"), ("skip", "Skip them")],
        string="Invoices a platform would reject",
        default="flag",
        required=True,
        help="What a generation run of a French company does with an order whose invoice an "
        "e-invoicing platform would reject (a customer without SIREN or VAT number, no order "
        "reference where the customer requires one, no e-invoice format): create the invoice "
        "with the warning on it, or skip the order with the reason. Test runs only warn.",
    )

    _sql_constraints = [
        (
            "postproduction_preliminary_invoice_day_range",
            "CHECK(postproduction_preliminary_invoice_day IS NULL OR "
            "postproduction_preliminary_invoice_day BETWEEN 0 AND 28)",
            "The preliminary invoice day is a day from 1 to 28 (0 or empty: off).",
        ),
        (
            "postproduction_invoicing_day_range",
            "CHECK(postproduction_invoicing_day IS NULL OR "
            "postproduction_invoicing_day BETWEEN 0 AND 28)",
            "The monthly invoicing day is a day from 1 to 28 (0 or empty: off).",
        ),
    ]

    # ------------------------------------------------------------------ sign-off
    postproduction_signoff_default = fields.Selection(
        [("none", "None"), ("required", "Required")],
        string="Activity statement sign-off",
        default="none",
        help="The sign-off new orders take: Required makes their monthly invoice wait for "
        "the customer's signature of the month's activity statement.",
    )
    postproduction_signoff_reminder_days = fields.Integer(
        string="Sign-off reminder (days)",
        help="Remind the customer of an activity statement sent and not signed after this "
        "many days, and again every as many days; empty: no reminder.",
    )

    # ------------------------------------------------------------------ invoice documents
    postproduction_taxes_required = fields.Boolean(
        string="Taxes required on invoice lines",
        help="When set, a customer invoice or credit note with a product line without "
        "taxes cannot be posted.",
    )

    def _postproduction_day_product(self):
        """The company's day product, or the one PostProduction installs."""
        self.ensure_one()
        return self.postproduction_day_product_id or self.env.ref(
            "postproduction.product_consultant_day", raise_if_not_found=False
        )

    def _postproduction_working_days(self, date_start, date_end):
        """The dates of ``[date_start, date_end]`` worked in the company's calendar.

        Public holidays (the calendar's leaves that concern no one in particular) are
        excluded.
        """
        self.ensure_one()
        calendar = self.resource_calendar_id
        if not calendar:
            raise UserError(
                self.env._(
                    "Company %(company)s has no working calendar: set one in its settings.",
                    company=self.name,
                )
            )
        tz = pytz.timezone(calendar.tz or "UTC")
        intervals = calendar._work_intervals_batch(
            tz.localize(datetime.combine(date_start, time.min)),
            tz.localize(datetime.combine(date_end, time.max)),
        )[False]
        return {interval[0].date() for interval in intervals}

    @api.constrains("postproduction_auto_invoice", "postproduction_auto_invoice_from")
    def _check_postproduction_auto_invoice_from(self):
        for company in self:
            if company.postproduction_auto_invoice and not company.postproduction_auto_invoice_from:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: give the date from which invoices are generated "
                        "automatically.",
                        company=company.name,
                    )
                )

    def write(self, vals):
        field = "postproduction_validated_timesheets_only"
        changed = self.filtered(lambda c: field in vals and c[field] != bool(vals[field]))
        if vals.get("postproduction_auto_invoice") and not vals.get(
            "postproduction_auto_invoice_from"
        ):
            # Switched on without a date: from this month on, never what was due before.
            self.filtered(lambda c: not c.postproduction_auto_invoice_from).write(
                {"postproduction_auto_invoice_from": fields.Date.context_today(self).replace(day=1)}
            )
        result = super().write(vals)
        if changed:
            changed.filtered(field)._postproduction_validate_existing_timesheets()
            changed._postproduction_recompute_delivered()
        return result

    def _postproduction_validate_existing_timesheets(self):
        """Validate the draft timesheets of these companies, recorded as validated by the
        current user now: they counted as delivered until now and stay so when the company
        starts invoicing validated timesheets only."""
        if not self:
            return
        timesheets = self.env["account.analytic.line"]
        timesheets.flush_model(["approval_state", "project_id", "company_id"])
        self.env.cr.execute(
            """UPDATE account_analytic_line
                  SET approval_state = 'validated', approval_user_id = %s,
                      approval_date = now() AT TIME ZONE 'UTC'
                WHERE approval_state = 'draft' AND project_id IS NOT NULL
                  AND company_id IN %s""",
            [self.env.uid, tuple(self.ids)],
        )
        timesheets.invalidate_model(["approval_state", "approval_user_id", "approval_date"])

    def _postproduction_recompute_delivered(self):
        """Recompute the delivered quantities of the order lines these companies' timesheets
        land on: which timesheets count depends on the company's choice."""
        self.env["account.analytic.line"].flush_model(["so_line", "company_id"])
        self.env.cr.execute(
            """SELECT DISTINCT so_line FROM account_analytic_line
                WHERE so_line IS NOT NULL AND company_id IN %s""",
            [tuple(self.ids)],
        )
        lines = self.env["sale.order.line"].browse(row[0] for row in self.env.cr.fetchall())
        lines.modified(["analytic_line_ids"])

    def _postproduction_proforma_date_range(self, sequence_date):
        """The numbering of ``sequence_date``'s year, created the first time it is needed.

        Two runs that would create it at once (the first generation of a company or of a
        year) would each start at 00001: the creator first claims the year in
        ``postproduction_proforma_claim``, where the second one's claim fails as a
        serialization failure that Odoo (or the scheduled action) tries again, and the
        second try finds the numbering the first one made.
        """
        self.ensure_one()
        ranges = self.env["ir.sequence.date_range"].sudo()
        domain = [
            ("sequence_id.code", "=", "postproduction.proforma"),
            ("sequence_id.company_id", "=", self.id),
            ("date_from", "<=", sequence_date),
            ("date_to", ">=", sequence_date),
        ]
        date_range = ranges.search(domain, limit=1)
        if date_range:
            return date_range
        self.env.cr.execute(
            SQL(
                "INSERT INTO postproduction_proforma_claim (company_id, year) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                self.id,
                sequence_date.year,
            )
        )
        sequence = self._postproduction_proforma_sequence()
        return ranges.search(domain, limit=1) or sequence._create_date_range_seq(sequence_date)

    def _auto_init(self):
        result = super()._auto_init()
        self.env.cr.execute(
            """CREATE TABLE IF NOT EXISTS postproduction_proforma_claim (
                   company_id integer NOT NULL, year integer NOT NULL,
                   PRIMARY KEY (company_id, year))"""
        )
        return result

    def _postproduction_proforma_sequence(self):
        """The company's PF/YYYY/NNNNN sequence, created the first time it is needed.

        Without gaps ('no_gap'): a number is drawn in the transaction that creates the
        invoice, and a rolled back run gives it back.
        """
        self.ensure_one()
        sequences = self.env["ir.sequence"].sudo()
        sequence = sequences.search(
            [("code", "=", "postproduction.proforma"), ("company_id", "=", self.id)], limit=1
        )
        return sequence or sequences.create(
            {
                "name": self.env._("Pro-forma invoices of %(company)s", company=self.name),
                "code": "postproduction.proforma",
                "prefix": "PF/%(range_year)s/",
                "padding": 5,
                "implementation": "no_gap",
                "use_date_range": True,
                "company_id": self.id,
            }
        )

    def _postproduction_reserve_proforma_numbers(self, count, sequence_date):
        """``count`` consecutive pro-forma numbers of the company, in one update."""
        self.ensure_one()
        date_range = self._postproduction_proforma_date_range(sequence_date)
        sequence = date_range.sequence_id
        first = self._postproduction_take_numbers(date_range, count)
        sequence = sequence.with_context(
            ir_sequence_date=sequence_date, ir_sequence_date_range=date_range.date_from
        )
        return [sequence.get_next_char(first + offset) for offset in range(count)]

    @api.model
    def _postproduction_take_numbers(self, date_range, count):
        """The first of ``count`` numbers taken from ``date_range``, in one update.

        Odoo's no-gap numbering refuses at once (NOWAIT) a row another transaction holds,
        which would fail a whole run beside another one; here the second run waits for
        the first to commit, and reads the number after it.
        """
        date_range.flush_recordset(["number_next"])
        self.env.cr.execute(
            SQL(
                "UPDATE ir_sequence_date_range SET number_next = number_next + %s "
                "WHERE id = %s RETURNING number_next - %s",
                count,
                date_range.id,
                count,
            )
        )
        date_range.invalidate_recordset(["number_next"])
        return self.env.cr.fetchone()[0]
