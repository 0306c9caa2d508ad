from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import float_compare, float_round, format_date, formatLang, is_html_empty

from .sale_order import own_context_value

#: Where a batch's order lines stand in the template of a timesheet domain.
_ORDER_LINES = object()


def _order_lines_template(domain, sale_lines):
    """``domain`` (normalized) with its term ``("so_line", "in", sale_lines.ids)``
    replaced by ``_ORDER_LINES``, when that term is ANDed with the rest of the domain
    (so that the domain never reaches other order lines); else ``None``."""
    domain = expression.normalize_domain(domain)
    term = ("so_line", "in", sale_lines.ids)
    found = [
        index
        for index in _top_level_leaves(domain)
        if isinstance(domain[index], list | tuple) and tuple(domain[index]) == term
    ]
    if len(found) != 1:
        return None
    return [_ORDER_LINES if index == found[0] else t for index, t in enumerate(domain)]


def _top_level_leaves(domain):
    """The indexes of the leaves of ``domain`` (normalized, prefix notation) that only
    ``&`` operators join to its root."""
    leaves = []

    def walk(index, top):
        """Visits the subtree starting at ``index``; returns the index after it."""
        token = domain[index]
        if token in (expression.AND_OPERATOR, expression.OR_OPERATOR):
            top = top and token == expression.AND_OPERATOR
            return walk(walk(index + 1, top), top)
        if token == expression.NOT_OPERATOR:
            return walk(index + 1, False)
        if top:
            leaves.append(index)
        return index + 1

    walk(0, True)
    return leaves


POSTPRODUCTION_STATUSES = [
    ("proforma_preparation", "Pro-forma in preparation"),
    ("proforma_sent", "Pro-forma sent"),
    ("final_to_send", "Final ready to send"),
    ("final_sent", "Final sent"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    postproduction_period = fields.Date(
        string="Billed month",
        copy=False,
        help="First day of the month this invoice bills. The PostProduction dashboard "
        "counts the invoice in that month; when empty, in the month of its invoice date.",
    )

    # ------------------------------------------------------------------ pro-forma invoices
    postproduction_run_id = fields.Many2one(
        "postproduction.invoice.run",
        string="Generation run",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    proforma_number = fields.Char(
        string="Pro-forma number",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Number of the draft (pro-forma) invoice, PF/YYYY/NNNNN, until it is posted.",
    )
    postproduction_billing_key_ids = fields.One2many(
        "postproduction.billing.key", "move_id", string="Billing keys", readonly=True
    )

    _sql_constraints = [
        (
            "proforma_number_uniq",
            "UNIQUE(proforma_number, company_id)",
            "A pro-forma number is given once per company.",
        ),
    ]

    # ------------------------------------------------------------------ status
    postproduction_status = fields.Selection(
        POSTPRODUCTION_STATUSES,
        string="PostProduction status",
        compute="_compute_postproduction_status",
        store=True,
        help="Where a PostProduction invoice (one with a pro-forma number) stands: pro-forma "
        "(draft) or final (posted), sent to the customer or not.",
    )

    @api.depends("proforma_number")
    def _compute_display_name(self):
        result = super()._compute_display_name()
        for move in self:
            if move.state == "draft" and move.proforma_number:
                move.display_name = move.proforma_number
        return result

    def write(self, vals):
        if vals.get("state") == "cancel":
            self._check_postproduction_advance_not_deducted()
            self.filtered(
                lambda m: m.state == "posted" and m.move_type == "out_refund"
            )._postproduction_restore_credited_timesheets()
        result = super().write(vals)
        if vals.get("state") == "cancel":
            self._postproduction_release()
        return result

    def _check_postproduction_advance_not_deducted(self):
        """An advance (down payment of a month) that a later invoice deducts stays: cancelled,
        the deduction would stand without the advance it deducts."""
        for move in self.filtered(lambda m: m.state != "cancel" and m.move_type == "out_invoice"):
            advances = move.invoice_line_ids.filtered(lambda aml: aml.quantity > 0).sale_line_ids
            advances = advances.filtered(
                lambda line: line.is_downpayment and line.postproduction_advance_period
            )
            deducting = advances.invoice_lines.filtered(
                lambda aml, mv=move: (
                    aml.move_id != mv
                    and aml.move_id.state != "cancel"
                    and (aml.quantity < 0 or aml.move_id.move_type == "out_refund")
                )
            ).move_id
            if deducting:
                raise UserError(
                    self.env._(
                        "Advance %(advance)s is deducted by %(invoice)s: cancel or correct "
                        "that invoice first, then the advance.",
                        advance=move.display_name,
                        invoice=deducting[0].display_name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_postproduction_release(self):
        self._postproduction_release()

    def _postproduction_release(self):
        """Free what these (cancelled or deleted) invoices billed: deletes their billing
        keys and puts their instalments back to invoice."""
        generated = self.filtered("postproduction_run_id")
        if not generated:
            return
        keys = self.env["postproduction.billing.key"].sudo().search([("move_id", "in", self.ids)])
        keys.unlink()
        schedules = self.env["postproduction.schedule"].sudo().search([("move_id", "in", self.ids)])
        if schedules:
            # The instalments' own guard refuses changes to invoiced lines; state and
            # invoice are not among the fields it guards.
            schedules.write({"state": "to_invoice", "move_id": False})

    # ------------------------------------------------------------------ scope
    def _postproduction_in_use(self):
        """The moves PostProduction handles: generated, billing a month, credit notes of
        those, or billing an order PostProduction manages. On the others Odoo's flows
        (credit notes, Send & Print, the printed invoice) stay as in standard Odoo."""

        def used(move):
            source = move.reversed_entry_id or move
            return bool(
                move.postproduction_period
                or source.proforma_number
                or source.postproduction_period
                or source.postproduction_run_id
                or source.sudo().invoice_line_ids.sale_line_ids.order_id._postproduction_in_use()
            )

        return self.filtered(used)

    @api.model
    def _postproduction_invoice_terms_used(self, company):
        """Whether ``company``'s invoice terms go on invoices: Odoo's own setting
        (Default Terms & Conditions), and terms written."""
        enabled = self.env["ir.config_parameter"].sudo().get_param("account.use_invoice_terms")
        return bool(enabled) and not is_html_empty(company.invoice_terms)

    @api.depends("proforma_number", "state", "is_move_sent", "move_type")
    def _compute_postproduction_status(self):
        for move in self:
            if not move.proforma_number or move.move_type != "out_invoice":
                move.postproduction_status = False
            elif move.state == "draft":
                move.postproduction_status = (
                    "proforma_sent" if move.is_move_sent else "proforma_preparation"
                )
            elif move.state == "posted":
                move.postproduction_status = "final_sent" if move.is_move_sent else "final_to_send"
            else:
                move.postproduction_status = False

    def action_postproduction_send_proforma(self):
        """Open the e-mail composer for a pro-forma (draft) invoice; marks it sent once the
        message is posted."""
        self.ensure_one()
        template = self.env.ref("account.email_template_edi_invoice", raise_if_not_found=False)
        recipients = self.partner_id._postproduction_invoice_recipients() or self.partner_id
        return {
            "name": self.env._("Send pro-forma invoice"),
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "default_partner_ids": recipients.ids,
                "postproduction_mark_proforma_sent": True,
            },
        }

    def message_post(self, **kwargs):
        if self.env.context.get("postproduction_mark_proforma_sent"):
            proformas = self.filtered(lambda m: m.state == "draft" and m.proforma_number)
            # the key says what happened; whoever may change the invoice may mark it sent
            proformas.check_access("write")
            proformas.sudo().write({"is_move_sent": True})
        return super().message_post(**kwargs)

    # ------------------------------------------------------------------ printed documents
    def _postproduction_lang(self):
        self.ensure_one()
        return self.partner_id.lang or self.env.lang or "en_US"

    def _postproduction_period_label(self):
        """ "Services of October 2026", in the customer's language; empty without a period."""
        self.ensure_one()
        if not self.postproduction_period:
            return ""
        lang = self._postproduction_lang()
        env = self.with_context(lang=lang).env
        month = format_date(env, self.postproduction_period, lang_code=lang, date_format="MMMM y")
        return env._("Services of %(month)s", month=month)

    def _postproduction_amount_in_words(self):
        """The invoice's total in words, in the customer's language."""
        self.ensure_one()
        currency = self.currency_id.with_context(lang=self._postproduction_lang())
        return currency.amount_to_text(self.amount_total)

    def _postproduction_instalment_lines(self):
        """{invoice line id: what prints instead of its share of the order line}.

        An instalment bills a share of its order lines: the invoice line's quantity is that
        share of the ordered quantity (0.08 Units x 62,500.00), so that the order's invoiced
        progress stays right. A customer reads it as one instalment: 1 x 5,000.00,
        "Instalment 6 of 12, 8.33 %". Returns dicts with ``price`` and ``note``, in the
        customer's language; empty for a move that bills or returns no instalment.
        """
        self.ensure_one()
        # Whoever may print the invoice reads what it prints: an accountant with
        # Invoicing's rights only has no access to the schedules themselves.
        instalments = (
            self.env["postproduction.schedule"]
            .sudo()
            .search(["|", ("move_id", "=", self.id), ("credit_move_id", "=", self.id)])
        )
        if not instalments:
            return {}
        env = self.with_context(lang=self._postproduction_lang()).env
        positions = {}
        for order in instalments.order_id:
            schedule = order.postproduction_schedule_ids.sorted(lambda i: (i.date, i.id))
            positions.update(
                {
                    instalment.id: (index, len(schedule))
                    for index, instalment in enumerate(schedule, 1)
                }
            )
        result = {}
        for line in self.invoice_line_ids.filtered(lambda ml: ml.display_type == "product"):
            order_line = line.sale_line_ids[:1]
            billed = instalments.filtered(lambda i, o=order_line.order_id: i.order_id == o)
            if not billed or not order_line.price_subtotal:
                continue
            share = formatLang(env, 100 * line.price_subtotal / order_line.price_subtotal, digits=2)
            numbers = ", ".join(
                str(positions[i.id][0]) for i in billed.sorted(lambda i: (i.date, i.id))
            )
            params = {
                "numbers": numbers,
                "count": positions[billed[0].id][1],
                "share": share,
            }
            result[line.id] = {
                "price": line.price_subtotal,
                "note": env._("Instalment %(numbers)s of %(count)s, %(share)s %%", **params)
                if len(billed) == 1
                else env._("Instalments %(numbers)s of %(count)s, %(share)s %%", **params),
            }
        return result

    def _postproduction_orders(self):
        """The sale orders this invoice bills."""
        self.ensure_one()
        return self.invoice_line_ids.sale_line_ids.order_id

    def _postproduction_activity_statement(self):
        """The invoice's timesheets per consultant and invoice line.

        Returns a list of dicts (``employee``, ``line``, ``uom``, ``rate``, ``days``: a list
        of (date, quantity), ``quantity``, ``amount``), quantities in the invoice line's unit.
        """
        self.ensure_one()
        hours_by_key = defaultdict(lambda: defaultdict(float))
        uom_by_key = {}
        lines = self.invoice_line_ids.filtered("sale_line_ids")
        for timesheet in self.sudo().timesheet_ids:
            line = lines.filtered(
                lambda invoice_line, ts=timesheet: ts.so_line in invoice_line.sale_line_ids
            )[:1]
            if not line:
                continue
            key = (line, timesheet.employee_id)
            hours_by_key[key][timesheet.date] += timesheet.unit_amount
            uom_by_key[key] = timesheet.product_uom_id
        sections = []
        for (line, employee), hours_by_date in sorted(
            hours_by_key.items(),
            key=lambda item: (item[0][1].name or "", item[0][0].sequence, item[0][0].id),
        ):
            source_uom = uom_by_key[(line, employee)]
            target_uom = line.product_uom_id or source_uom

            def convert(hours, source_uom=source_uom, target_uom=target_uom):
                return source_uom._compute_quantity(
                    hours, target_uom, round=False, raise_if_failure=False
                )

            rate = line.price_unit * (1.0 - (line.discount or 0.0) / 100.0)
            quantity = convert(sum(hours_by_date.values()))
            sections.append(
                {
                    "employee": employee,
                    "line": line,
                    "uom": target_uom,
                    "rate": rate,
                    "days": [(day, convert(hours_by_date[day])) for day in sorted(hours_by_date)],
                    "quantity": quantity,
                    "amount": self.currency_id.round(quantity * rate),
                }
            )
        return sections

    # ------------------------------------------------------------------ a run's timesheets
    def _link_timesheets_to_invoice(self, start_date=None, end_date=None):
        """In a generation run, Odoo's linking of the period's timesheets to the invoices
        with one search for the whole batch instead of one per invoice line.

        Each line's domain is still Odoo's (``_timesheet_domain_get_invoiced_lines``);
        lines whose domains differ only by their order lines, ANDed with the rest, are
        searched together, and each timesheet goes to the invoice of its order line's
        first invoice line, as Odoo's loop gives it. A line whose domain is of another
        shape (another module's override) is searched alone, as Odoo does. Outside a
        run, Odoo's own loop.
        """
        if own_context_value(self.env, "postproduction_invoice_plan") is None or not (
            start_date and end_date
        ):
            return super()._link_timesheets_to_invoice(start_date, end_date)
        period = [("date", ">=", start_date), ("date", "<=", end_date)]
        templates, groups = {}, defaultdict(list)
        for line, sale_lines, domain in self._get_timesheet_link_domains():
            template = _order_lines_template(domain, sale_lines)
            key = repr(template) if template else line.id
            templates[key] = template
            groups[key].append((line, sale_lines, domain))
        for key, lines in groups.items():
            if templates[key] and len(lines) > 1:
                self._link_timesheets_together(templates[key], lines, period)
                continue
            for line, _sale_lines, domain in lines:
                timesheets = self.env["account.analytic.line"].sudo().search(domain + period)
                timesheets.write({"timesheet_invoice_id": line.move_id.id})
        return None

    @api.model
    def _link_timesheets_together(self, template, lines, period):
        """Link the timesheets of ``lines`` ([(invoice line, order lines, domain)] whose
        domains share ``template``) with one search: each timesheet to the invoice of its
        order line's first invoice line."""
        move_of = {}
        for line, sale_lines, _domain in lines:
            for sale_line in sale_lines:
                move_of.setdefault(sale_line.id, line.move_id)
        domain = [
            ("so_line", "in", list(move_of)) if term is _ORDER_LINES else term for term in template
        ]
        timesheets = self.env["account.analytic.line"].sudo().search(domain + period)
        for move, linked in timesheets.grouped(lambda t: move_of[t.so_line.id]).items():
            linked.write({"timesheet_invoice_id": move.id})

    def _get_timesheet_link_domains(self):
        """[(invoice line, its order lines invoiced from timesheets, Odoo's domain of the
        timesheets it bills)] of these draft invoices, as ``_link_timesheets_to_invoice``."""
        result = []
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "draft")
        for line in invoices.invoice_line_ids:
            sale_lines = line.sale_line_ids.filtered(
                lambda sol: (
                    sol.product_id.invoice_policy == "delivery"
                    and sol.product_id.service_type == "timesheet"
                )
            )
            if sale_lines:
                domain = line._timesheet_domain_get_invoiced_lines(sale_lines)
                result.append((line, sale_lines, list(domain)))
        return result

    # ------------------------------------------------------------------ posting checks
    def _post(self, soft=True):
        self._check_postproduction_taxes()
        self.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        )._postproduction_in_use()._check_postproduction_not_over_credited()
        posted = super()._post(soft=soft)
        posted.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        )._postproduction_in_use()._postproduction_credit_timesheets()
        return posted

    def _check_postproduction_taxes(self):
        """Refuse to post customer invoices with product lines without taxes, where the
        company requires taxes on invoice lines."""
        for move in self.filtered(
            lambda m: m.is_sale_document() and m.company_id.postproduction_taxes_required
        ):
            untaxed = move.invoice_line_ids.filtered(
                lambda line: line.display_type == "product" and not line.tax_ids
            )
            if untaxed:
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s cannot be posted: these lines have no tax: "
                        "%(lines)s. Set a tax on each line (an exempt 0%% tax where no tax "
                        "is due), or untick 'Taxes required on invoice lines' in the "
                        "PostProduction settings.",
                        invoice=move.display_name,
                        lines=", ".join(
                            f'"{line.name or line.product_id.display_name}"' for line in untaxed
                        ),
                    )
                )

    # ------------------------------------------------------------------ credit notes
    def _postproduction_credit_timesheets(self):
        """Return to invoice, or write off, the timesheets these posted credit notes credit.

        Odoo frees every timesheet of an invoice that a credit note reverses, whatever the
        quantity credited, which bills the uncredited hours twice. Here each credit note
        line takes from the timesheets its invoice bills on the same order lines exactly
        the quantity it credits: the ones a corrective invoice picked (context
        ``postproduction_credited_timesheets``: {credit note line id: timesheet ids}),
        else the latest ones, a timesheet split when only part of it is credited. Taken
        timesheets go back to invoice, or stay billed and are marked written off.
        """
        picked = own_context_value(self.env, "postproduction_credited_timesheets") or {}
        timesheets = self.env["account.analytic.line"].sudo()
        for refund in self:
            billed = refund.reversed_entry_id.sudo().timesheet_ids.filtered(
                lambda t: not t.postproduction_written_off
            )
            for line in refund.invoice_line_ids.filtered(lambda aml: aml.display_type == "product"):
                candidates = billed.filtered(lambda t, ln=line: t.so_line in ln.sale_line_ids)
                if not candidates:
                    continue
                if line.id in picked:
                    taken = candidates.filtered(lambda t, ln=line: t.id in picked[ln.id])
                    line._postproduction_check_credited(taken)
                else:
                    taken = candidates._postproduction_take(line.quantity, line.product_uom_id)
                billed -= taken
                values = {"postproduction_credit_move_id": refund.id}
                if line.postproduction_write_off:
                    values["postproduction_written_off"] = True
                else:
                    values["timesheet_invoice_id"] = False
                taken.write(values)
                timesheets |= taken
        return timesheets

    def _reverse_moves(self, default_values_list=None, cancel=False):
        """A credit note credits the month its invoice billed, on the dashboard too."""
        self._postproduction_in_use()._check_postproduction_not_credited_in_full()
        default_values_list = default_values_list or [{} for _move in self]
        for move, values in zip(self, default_values_list, strict=True):
            if move.postproduction_period:
                values.setdefault("postproduction_period", move.postproduction_period)
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def _postproduction_restore_credited_timesheets(self):
        """Undo ``_postproduction_credit_timesheets`` for these credit notes (reset to draft
        or cancelled): their timesheets, and the instalments they returned, are billed by
        the credited invoice again. Refused when another invoice bills some of them since."""
        self._postproduction_restore_returned_instalments()
        timesheets = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("postproduction_credit_move_id", "in", self.ids)])
        )
        rebilled = timesheets.filtered(
            lambda t: (
                t.timesheet_invoice_id
                and t.timesheet_invoice_id != t.postproduction_credit_move_id.reversed_entry_id
                and t.timesheet_invoice_id.state != "cancel"
            )
        )
        if rebilled:
            raise UserError(
                self.env._(
                    "Credit note %(refund)s returned timesheets to invoice that invoice "
                    "%(invoice)s bills now: cancel or correct that invoice first.",
                    refund=rebilled[0].postproduction_credit_move_id.display_name,
                    invoice=rebilled[0].timesheet_invoice_id.display_name,
                )
            )
        for refund, refund_timesheets in timesheets.grouped(
            "postproduction_credit_move_id"
        ).items():
            refund_timesheets.write(
                {
                    "timesheet_invoice_id": refund.reversed_entry_id.id,
                    "postproduction_written_off": False,
                    "postproduction_credit_move_id": False,
                }
            )

    def _check_postproduction_not_over_credited(self):
        """Refuse a credit note that, with the others of its invoice, would credit more than
        the invoice bills on a line: Odoo's Reverse done twice, or a correction on top of a
        full reversal."""
        for invoice in self.reversed_entry_id:
            credited = invoice._postproduction_credited_quantities()
            for line, quantity in credited.items():
                rounding = line.product_uom_id.rounding or 0.01
                if float_compare(quantity, line.quantity, precision_rounding=rounding) > 0:
                    raise UserError(
                        self.env._(
                            "Credit note of %(invoice)s would credit more than the invoice bills "
                            'on "%(line)s" (%(credited)s of %(billed)s): its earlier credit notes '
                            "credit it already. Use Corrective invoice, which offers only what "
                            "remains.",
                            invoice=invoice.display_name,
                            line=line.name or line.product_id.display_name,
                            credited=float_round(quantity, precision_rounding=rounding),
                            billed=line.quantity,
                        )
                    )

    def _check_postproduction_not_credited_in_full(self):
        for invoice in self.filtered(lambda m: m.move_type == "out_invoice"):
            credited = invoice._postproduction_credited_quantities()
            lines = invoice.invoice_line_ids.filtered(lambda aml: aml.display_type == "product")
            if credited and all(
                float_compare(
                    credited.get(line, 0.0),
                    line.quantity,
                    precision_rounding=line.product_uom_id.rounding or 0.01,
                )
                >= 0
                for line in lines
            ):
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is credited in full already: nothing is left to "
                        "credit.",
                        invoice=invoice.display_name,
                    )
                )

    def _postproduction_restore_returned_instalments(self):
        instalments = (
            self.env["postproduction.schedule"].sudo().search([("credit_move_id", "in", self.ids)])
        )
        rebilled = instalments.filtered(lambda line: line.state == "invoiced")
        if rebilled:
            raise UserError(
                self.env._(
                    "Credit note %(refund)s returned instalment %(label)s to invoice and "
                    "%(invoice)s bills it now: cancel or correct that invoice first.",
                    refund=rebilled[0].credit_move_id.display_name,
                    label=rebilled[0].name,
                    invoice=rebilled[0].move_id.display_name,
                )
            )
        for instalment in instalments:
            instalment.write(
                {
                    "state": "invoiced",
                    "move_id": instalment.credit_move_id.reversed_entry_id.id,
                    "credit_move_id": False,
                }
            )

    def action_postproduction_correct(self):
        self.ensure_one()
        self._postproduction_check_correctable()
        return {
            "name": self.env._("Corrective invoice"),
            "type": "ir.actions.act_window",
            "res_model": "postproduction.invoice.correction.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    # ------------------------------------------------------------------ unlock
    def button_draft(self):
        """Posted PostProduction invoices go back to draft only with the group 'Invoice
        unlock' and a reason (the unlock wizard gives it), logged in their chatter."""
        self._postproduction_check_not_released()
        locked = self.filtered(lambda m: m.proforma_number and m.state == "posted")
        reason = (self.env.context.get("postproduction_unlock_reason") or "").strip()
        if locked:
            locked._postproduction_check_unlock(reason)
        self.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_refund"
        )._postproduction_restore_credited_timesheets()
        result = super().button_draft()
        if locked:
            locked._postproduction_log_unlock(reason)
        return result

    def _postproduction_check_not_released(self):
        """A generated invoice, once cancelled, gave its month back to be billed again
        (its billing keys and instalments are freed): back to draft, it would bill the
        month a second time."""
        released = self.filtered(lambda m: m.state == "cancel" and m.postproduction_run_id)
        if released:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s was generated by PostProduction and cancelled: what it "
                    "billed is free to be billed again, so it cannot go back to draft. "
                    "Generate its month again from the dashboard instead.",
                    invoice=released[0].display_name,
                )
            )

    def _postproduction_check_unlock(self, reason):
        """The reason is data the wizard carries; the right is the user's group."""
        if not self.env.user.has_group("postproduction.group_postproduction_invoice_unlock"):
            raise AccessError(
                self.env._(
                    "Invoice %(invoice)s was generated by PostProduction and is posted: only "
                    "users of the group 'Invoice unlock' may reset it to draft, with 'Unlock' "
                    "and a reason.",
                    invoice=self[0].display_name,
                )
            )
        if not reason:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s was generated by PostProduction and is posted: use "
                    "'Unlock' and give the reason why it is reset to draft.",
                    invoice=self[0].display_name,
                )
            )

    def _postproduction_log_unlock(self, reason):
        now = fields.Datetime.to_string(fields.Datetime.now())
        for move in self:
            move.message_post(
                body=self.env._(
                    "Reset to draft by %(user)s on %(date)s. Reason: %(reason)s",
                    user=self.env.user.name,
                    date=now,
                    reason=reason,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def _postproduction_unlock(self, reason):
        """Reset these posted invoices to draft and log who, when and why in their chatter.

        Requires the group 'Invoice unlock' and a reason.
        """
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason why the invoice is reset to draft."))
        return self.with_context(postproduction_unlock_reason=reason).button_draft()

    def action_postproduction_unlock(self):
        return {
            "name": self.env._("Unlock invoice"),
            "type": "ir.actions.act_window",
            "res_model": "postproduction.invoice.unlock.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids},
        }
