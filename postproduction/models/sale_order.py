from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero, float_round, frozendict

from ..calc import invoicing, periods, split


def own_context_value(env, key):
    """The value of context ``key`` when PostProduction's own code set it, else ``None``.

    Our methods pass data to Odoo's hooks in ``frozendict`` values, which no RPC call can
    build (JSON and XML-RPC give plain dicts): a plan or invoice values sent by a client
    are ignored, and Odoo's flow stays its own.
    """
    value = env.context.get(key)
    return value if isinstance(value, frozendict) else None


#: The longest schedule a split makes: beyond, the dates are a typing mistake.
MAX_SCHEDULE_YEARS = 10


class SaleOrder(models.Model):
    _inherit = "sale.order"

    postproduction_mode = fields.Selection(
        [("monthly", "Monthly"), ("schedule", "Schedule")],
        string="Invoicing mode",
        default="monthly",
        required=True,
        tracking=True,
        help="Monthly: invoiced each month from production (timesheet days x daily rate, "
        "re-invoiced expenses and purchases). Schedule: invoiced from its schedule of "
        "instalments, whatever was produced.",
    )
    postproduction_invoice_in_advance = fields.Boolean(
        string="Invoice in advance",
        copy=False,
        tracking=True,
        help="From the company's preliminary invoice day, the month's forecast (working days "
        "of the deliveries x daily rate, or the month's instalments) can be invoiced as a "
        "down payment; the invoice of the month, after it, deducts it.",
    )
    postproduction_signoff = fields.Selection(
        [("none", "None"), ("required", "Required")],
        string="Activity statement sign-off",
        default=lambda self: self.env.company.postproduction_signoff_default or "none",
        required=True,
        tracking=True,
        help="Required: the month's invoice waits until the customer signs the month's "
        "activity statement online (Send for sign-off, on the dashboard).",
    )
    postproduction_delivery_ids = fields.Many2many(
        "postproduction.delivery",
        "postproduction_delivery_sale_order_rel",
        "order_id",
        "delivery_id",
        string="Deliveries / correlated purchases",
        copy=False,
    )
    postproduction_schedule_ids = fields.One2many(
        "postproduction.schedule", "order_id", string="Schedule", copy=False
    )
    postproduction_schedule_total = fields.Monetary(
        string="Scheduled", compute="_compute_postproduction_schedule_total"
    )
    postproduction_schedule_deviation = fields.Monetary(
        string="Deviation",
        compute="_compute_postproduction_schedule_total",
        help="Untaxed amount of the order minus the total of its schedule.",
    )
    postproduction_delivery_count = fields.Integer(
        string="Delivery count", compute="_compute_postproduction_delivery_count"
    )

    @api.depends("postproduction_schedule_ids.amount", "amount_untaxed")
    def _compute_postproduction_schedule_total(self):
        for order in self:
            total = sum(order.postproduction_schedule_ids.mapped("amount"))
            order.postproduction_schedule_total = total
            order.postproduction_schedule_deviation = order.currency_id.round(
                order.amount_untaxed - total
            )

    def write(self, vals):
        result = super().write(vals)
        if "postproduction_mode" in vals:
            self.postproduction_delivery_ids._resolve_sale_line()
        return result

    def _postproduction_in_use(self):
        """The orders PostProduction manages: with deliveries or instalments. Odoo's own
        flows on other orders stay as in standard Odoo."""
        return self.filtered(
            lambda o: o.postproduction_delivery_ids or o.postproduction_schedule_ids
        )

    @api.depends("postproduction_delivery_ids")
    def _compute_postproduction_delivery_count(self):
        for order in self:
            order.postproduction_delivery_count = len(order.postproduction_delivery_ids)

    def action_view_postproduction_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_delivery"
        )
        action["domain"] = [("sale_order_ids", "in", self.ids)]
        action["context"] = {"default_sale_order_ids": [self.id]}
        return action

    def action_postproduction_split_schedule(self):
        """Open the wizard that fills this order's schedule."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_schedule_split_wizard"
        )
        action["context"] = {"default_order_id": self.id}
        return action

    def _postproduction_split_schedule(
        self, amount, date_start, date_end, method, label, replace=True
    ):
        """Fill the schedule with ``amount`` cut into monthly instalments.

        ``method`` is one of ``calc.split.METHODS``; each instalment is dated at the end of
        its month (or at ``date_end``). With ``replace``, the instalments not invoiced yet
        are deleted first. Returns the new instalments.
        """
        self.ensure_one()
        if self.currency_id.compare_amounts(amount, 0) <= 0:
            raise UserError(self.env._("The amount to split must be positive."))
        values = self._postproduction_prepare_schedule_values(
            amount, date_start, date_end, method, label
        )
        if replace:
            self.postproduction_schedule_ids.filtered(
                lambda line: line.state == "to_invoice"
            ).unlink()
        return self.env["postproduction.schedule"].create(values)

    def _postproduction_prepare_schedule_values(self, amount, date_start, date_end, method, label):
        self.ensure_one()
        if date_end < date_start:
            raise UserError(self.env._("The end date is before the start date."))
        if periods.add_months(date_start, 12 * MAX_SCHEDULE_YEARS) <= date_end:
            raise UserError(
                self.env._(
                    "A schedule spans at most %(years)s years; %(start)s to %(end)s is longer: "
                    "check the dates.",
                    years=MAX_SCHEDULE_YEARS,
                    start=date_start,
                    end=date_end,
                )
            )
        working_day = None
        if method == split.WORKING_DAYS:
            working_day = self.company_id._postproduction_working_days(
                date_start, date_end
            ).__contains__
        try:
            parts = split.split_over_months(
                amount, date_start, date_end, method, working_day, self.currency_id.rounding
            )
        except split.SplitError as error:
            if method == split.WORKING_DAYS:
                raise UserError(
                    self.env._(
                        "There is no working day between %(start)s and %(end)s.",
                        start=date_start,
                        end=date_end,
                    )
                ) from error
            raise UserError(
                self.env._("The amount cannot be split: %(error)s", error=error)
            ) from error
        parts = [part for part in parts if not self.currency_id.is_zero(part[2])]
        return [
            {
                "order_id": self.id,
                "date": period_end,
                "name": f"{label} {index}/{len(parts)}",
                "amount": part_amount,
            }
            for index, (_start, period_end, part_amount) in enumerate(parts, start=1)
        ]

    # ------------------------------------------------------------------ invoice generation
    # ------------------------------------------------------------------ Odoo's hooks
    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        extra = own_context_value(self.env, "postproduction_invoice_values")
        if extra:
            values.update(extra)
            if not values.get("invoice_payment_term_id") and values.get("invoice_date"):
                # without terms, Odoo keeps the day of the run, maybe before the invoice date
                values["invoice_date_due"] = values["invoice_date"]
            if self.env["account.move"]._postproduction_invoice_terms_used(self.company_id):
                values["narration"] = self.company_id.invoice_terms
        return values

    def _get_invoiceable_lines(self, final=False):
        """With a generation plan, exactly the lines of the plan (and their sections)."""
        plan = own_context_value(self.env, "postproduction_invoice_plan")
        if plan is None:
            return super()._get_invoiceable_lines(final)
        line_ids, down_payment_ids, section = [], [], None
        for line in self.order_line:
            if line.display_type == "line_section":
                section = line
            elif line.is_downpayment and line.id in plan:
                # At the end, in the section Odoo adds for down payments.
                down_payment_ids.append(line.id)
            elif line.id in plan:
                if section:
                    line_ids.append(section.id)
                    section = None
                line_ids.append(line.id)
        return self.env["sale.order.line"].browse(line_ids + down_payment_ids)

    def _create_account_invoices(self, invoice_vals_list, final):
        """Generated invoices get their pro-forma numbers as they are created."""
        extra = own_context_value(self.env, "postproduction_invoice_values")
        if extra:
            by_company = defaultdict(list)
            for values in invoice_vals_list:
                by_company[values["company_id"]].append(values)
            for company_id, company_values in by_company.items():
                numbers = (
                    self.env["res.company"]
                    .browse(company_id)
                    ._postproduction_reserve_proforma_numbers(
                        len(company_values), extra["invoice_date"]
                    )
                )
                for values, number in zip(company_values, numbers, strict=True):
                    values["proforma_number"] = number
        return super()._create_account_invoices(invoice_vals_list, final)

    # ------------------------------------------------------------------ plans
    def _postproduction_invoice_plans(self, period, until=None):
        """{order id: (values per line id, amount per line id, instalments)} for ``period``.

        Monthly orders: the month's billable timesheets not billed yet (Odoo's period
        mechanism) and the month's re-invoiced costs. Schedule orders: the instalments
        dated in the month (up to ``until``) not invoiced yet. A few queries for all the
        orders. Writes nothing.
        """
        start, end = periods.month_bounds(period)
        no_instalment = self.env["postproduction.schedule"]
        plans = {order.id: invoicing.InvoicePlan(instalments=no_instalment) for order in self}
        monthly = self.filtered(lambda o: o.postproduction_mode == "monthly")
        lines = monthly.order_line.filtered(
            lambda line: not line.display_type and not line.is_downpayment
        )
        quantities = lines._postproduction_timesheet_quantities(start, end)
        quantities.update(lines._postproduction_cost_quantities(start, end))
        for line in lines:
            quantity = quantities.get(line.id, 0.0)
            if float_is_zero(quantity, precision_rounding=line.product_uom.rounding):
                continue
            plan = plans[line.order_id.id]
            plan.values[line.id] = {"quantity": quantity}
            plan.amounts[line.id] = line.currency_id.round(
                quantity * line.price_unit * (1 - (line.discount or 0.0) / 100.0)
            )
        scheduled = self - monthly
        if scheduled:
            instalments = self.env["postproduction.schedule"].search(
                [
                    ("order_id", "in", scheduled.ids),
                    ("state", "=", "to_invoice"),
                    ("date", ">=", start),
                    ("date", "<=", min(end, until or end)),
                ]
            )
            for order, order_instalments in instalments.grouped("order_id").items():
                plans[order.id] = order._postproduction_instalment_plan(order_instalments)
        self._postproduction_add_advance_deductions(plans, start)
        return plans

    def _postproduction_add_advance_deductions(self, plans, period):
        """Add to ``plans`` the down payments that advanced ``period`` and that no invoice
        deducts yet: their (negative) quantity to invoice, as Odoo's final invoice does."""
        advances = self.order_line.filtered(
            lambda line: (
                line.is_downpayment
                and not line.display_type
                and line.postproduction_advance_period == period
                and line.qty_to_invoice < 0
            )
        )
        for line in advances:
            plan = plans[line.order_id.id]
            plan.values[line.id] = {"quantity": line.qty_to_invoice}
            plan.amounts[line.id] = line.currency_id.round(line.qty_to_invoice * line.price_unit)

    # ------------------------------------------------------------------ advance
    def _postproduction_advance_forecasts(self, period):
        """{order id: {order line id: untaxed amount}}: what each order is expected to
        invoice for ``period``, to be invoiced in advance.

        Monthly orders: the working days of the month (company calendar, public holidays
        excluded) within each confirmed delivery correlated with the order alone, times
        its daily rate, on the delivery's order line. Schedule orders: the month's
        instalments not invoiced yet, spread over the order lines as they are invoiced.
        Writes nothing.
        """
        start, end = periods.month_bounds(period)
        forecasts = {order.id: defaultdict(float) for order in self}
        working_days = {}
        for order in self.filtered(lambda o: o.postproduction_mode == "monthly"):
            if order.company_id not in working_days:
                working_days[order.company_id] = order.company_id._postproduction_working_days(
                    start, end
                )
            fallback = order.order_line.filtered(
                lambda line: not line.display_type and not line.is_downpayment
            )[:1]
            deliveries = order.postproduction_delivery_ids.filtered(
                lambda d: (
                    d.state != "draft"
                    and d.correlation_status == "ok"
                    and d.date_start <= end
                    and d.date_end >= start
                    and d.daily_rate
                )
            )
            for delivery in deliveries:
                days = sum(
                    1
                    for day in working_days[order.company_id]
                    if delivery.date_start <= day <= delivery.date_end
                )
                line = delivery.sale_line_id or fallback
                if days and line:
                    forecasts[order.id][line.id] += order.currency_id.round(
                        days * delivery.daily_rate
                    )
        scheduled = self.filtered(lambda o: o.postproduction_mode == "schedule")
        if scheduled:
            instalments = self.env["postproduction.schedule"].search(
                [
                    ("order_id", "in", scheduled.ids),
                    ("state", "=", "to_invoice"),
                    ("date", ">=", start),
                    ("date", "<=", end),
                ]
            )
            for order, order_instalments in instalments.grouped("order_id").items():
                amounts = order._postproduction_instalment_plan(order_instalments).amounts
                forecasts[order.id].update(amounts)
        return {order_id: dict(amounts) for order_id, amounts in forecasts.items()}

    def _postproduction_create_advance_lines(self, period, amounts, label):
        """Create the down payment lines of this order invoicing ``amounts`` ({order line
        id: untaxed amount}) in advance of ``period``, as Odoo's down payment wizard
        does: one line per combination of taxes and account, in the order's down payment
        section (created if missing). Returns {down payment line: its income account}."""
        self.ensure_one()
        wizard = self.env["sale.advance.payment.inv"].new(
            {"advance_payment_method": "fixed", "sale_order_ids": [Command.set(self.ids)]}
        )
        order_lines = self.env["sale.order.line"].with_context(sale_no_log_for_new_lines=True)
        if not any(line.display_type and line.is_downpayment for line in self.order_line):
            order_lines.create(wizard._prepare_down_payment_section_values(self))
        groups = {}
        for line in self.env["sale.order.line"].browse(list(amounts)):
            taxes = line.tax_id.flatten_taxes_hierarchy().filtered(
                lambda tax: tax.amount_type != "fixed"
            )
            accounts = line.product_id.product_tmpl_id.get_product_accounts(
                fiscal_pos=self.fiscal_position_id
            )
            account = accounts.get("downpayment") or accounts.get("income")
            key = (tuple(sorted(taxes.ids)), account)
            groups.setdefault(key, []).append((amounts[line.id], line.analytic_distribution))
        created = {}
        for (tax_ids, account), parts in groups.items():
            total = self.currency_id.round(sum(amount for amount, _dist in parts))
            if self.currency_id.is_zero(total):
                continue
            analytic = defaultdict(float)
            for amount, distribution in parts:
                for account_key, percent in (distribution or {}).items():
                    analytic[account_key] += amount / total * percent
            values = {
                **wizard._prepare_base_downpayment_line_values(self),
                "name": label,
                "tax_id": [Command.set(list(tax_ids))],
                "price_unit": total,
                "postproduction_advance_period": period,
            }
            if analytic:
                values["analytic_distribution"] = dict(analytic)
            created[order_lines.create(values)] = account
        return created

    def _postproduction_instalment_plan(self, instalments):
        """The plan invoicing ``instalments``: each amount is spread over the order's lines
        in proportion to their untaxed amounts, so that each invoice line keeps its order
        line's income account, taxes and analytic distribution; the line's quantity is the
        same share of its ordered quantity, its unit price what makes the amount exact."""
        self.ensure_one()
        lines = self.order_line.filtered(
            lambda line: (
                not line.display_type
                and not line.is_downpayment
                and line.currency_id.compare_amounts(line.price_subtotal, 0) > 0
            )
        )
        if not lines:
            raise UserError(
                self.env._(
                    "Order %(order)s has no priced line to carry its instalments: add the "
                    "order lines that the schedule invoices.",
                    order=self.name,
                )
            )
        shares = defaultdict(float)
        labels = defaultdict(list)
        for instalment in instalments:
            parts = split.split_by_weights(
                instalment.amount, lines.mapped("price_subtotal"), self.currency_id.rounding
            )
            for line, part in zip(lines, parts, strict=True):
                shares[line.id] += part
                labels[line.id].append(instalment.name)
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        values, amounts = {}, {}
        for line in lines:
            share = self.currency_id.round(shares[line.id])
            if self.currency_id.is_zero(share):
                continue
            quantity = invoicing.instalment_quantity(
                line.product_uom_qty or 1.0, share / line.price_subtotal, line.product_uom.rounding
            )
            values[line.id] = {
                "quantity": quantity,
                "price_unit": float_round(share / quantity, precision_digits=price_digits),
                "discount": 0.0,
                "name": f"{', '.join(labels[line.id])} - {line.name}",
            }
            amounts[line.id] = share
        return invoicing.InvoicePlan(values, amounts, instalments)

    def _postproduction_check_invoiceable(self, plan_values):
        """Refuse, in words an accountant acts on, what would make a wrong invoice."""
        for order in self:
            partner = order.partner_invoice_id
            if not partner.active or not partner.commercial_partner_id.active:
                raise UserError(
                    self.env._(
                        "The customer %(partner)s of order %(order)s is archived: restore it "
                        "or change the order's invoice address.",
                        partner=partner.display_name,
                        order=order.name,
                    )
                )
        lines = self.env["sale.order.line"].browse(list(plan_values))
        for line in lines:
            accounts = line.product_id.product_tmpl_id.get_product_accounts(
                fiscal_pos=line.order_id.fiscal_position_id
            )
            if line.product_id and not accounts.get("income"):
                raise UserError(
                    self.env._(
                        "Product %(product)s (order %(order)s) has no income account: set one "
                        "on the product or on its category.",
                        product=line.product_id.display_name,
                        order=line.order_id.name,
                    )
                )
