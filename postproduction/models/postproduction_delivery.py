from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare


class PostproductionDelivery(models.Model):
    """A resource, product or purchase assigned to a project for a period at a daily rate.

    A delivery correlated with exactly one order resolves the order line its timesheets
    are invoiced on; renewing it creates a delivery that continues it.
    """

    _name = "postproduction.delivery"
    _description = "PostProduction delivery"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/", index="trigram"
    )
    kind = fields.Selection(
        [("resource", "Resource"), ("product", "Product"), ("purchase", "Purchase")],
        required=True,
        default="resource",
        tracking=True,
    )
    project_id = fields.Many2one(
        "project.project", required=True, index=True, tracking=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", related="project_id.partner_id", store=True
    )
    commercial_partner_id = fields.Many2one(
        related="project_id.partner_id.commercial_partner_id", string="Customer entity"
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        help="The currency of the daily rate: its order's, else the company's.",
    )
    employee_id = fields.Many2one(
        "hr.employee", string="Consultant", index=True, tracking=True, check_company=True
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        check_company=True,
        domain="[('sale_ok', '=', True)]",
        help="What the order invoices: for a resource, a service invoiced from timesheets in days.",
    )
    date_start = fields.Date(string="Start", required=True, tracking=True)
    date_end = fields.Date(string="End", required=True, tracking=True)
    daily_rate = fields.Monetary(tracking=True, currency_field="currency_id")
    planned_days = fields.Float(digits="Product Unit of Measure")
    sale_order_ids = fields.Many2many(
        "sale.order",
        "postproduction_delivery_sale_order_rel",
        "delivery_id",
        "order_id",
        string="Correlated orders",
        check_company=True,
        tracking=True,
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order line",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        help="The line of the correlated order this delivery is invoiced on.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("ongoing", "Ongoing"), ("closed", "Closed")],
        default="draft",
        required=True,
        copy=False,
        tracking=True,
        index=True,
    )
    correlation_status = fields.Selection(
        [("ok", "Correlated"), ("no_order", "No order"), ("multiple_orders", "Several orders")],
        compute="_compute_correlation_status",
        store=True,
        index=True,
    )
    renewed_from_id = fields.Many2one(
        "postproduction.delivery",
        string="Renewal of",
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    renewal_ids = fields.One2many("postproduction.delivery", "renewed_from_id", string="Renewals")
    note = fields.Text()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "dates_check",
            "CHECK(date_end >= date_start)",
            "The end date of a delivery cannot be before its start date.",
        ),
        ("daily_rate_check", "CHECK(daily_rate >= 0)", "The daily rate cannot be negative."),
        ("planned_days_check", "CHECK(planned_days >= 0)", "Planned days cannot be negative."),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("project_id")
    def _compute_company_id(self):
        for delivery in self.filtered("project_id"):
            delivery.company_id = delivery.project_id.company_id or delivery.company_id

    @api.depends("sale_order_ids.currency_id", "company_id.currency_id")
    def _compute_currency_id(self):
        for delivery in self:
            currencies = delivery.sale_order_ids.currency_id
            company_currency = (delivery.company_id or self.env.company).currency_id
            delivery.currency_id = currencies if len(currencies) == 1 else company_currency

    @api.depends("kind", "company_id")
    def _compute_product_id(self):
        for delivery in self:
            if delivery.kind == "resource" and not delivery.product_id:
                company = delivery.company_id or self.env.company
                delivery.product_id = company._postproduction_day_product()

    @api.depends("sale_order_ids")
    def _compute_correlation_status(self):
        for delivery in self:
            count = len(delivery.sale_order_ids)
            delivery.correlation_status = (
                "no_order" if not count else "ok" if count == 1 else "multiple_orders"
            )

    # ------------------------------------------------------------------ constraints
    @api.constrains("kind", "employee_id", "product_id")
    def _check_kind_requirements(self):
        for delivery in self:
            if delivery.kind == "resource" and not delivery.employee_id:
                raise ValidationError(
                    self.env._(
                        "Delivery %(name)s is a resource delivery: choose its consultant.",
                        name=delivery.display_name,
                    )
                )
            if not delivery.product_id:
                raise ValidationError(
                    self.env._(
                        "Delivery %(name)s needs a product: the service or item the order "
                        "invoices.",
                        name=delivery.display_name,
                    )
                )

    @api.constrains("employee_id", "project_id", "date_start", "date_end", "active")
    def _check_no_overlap(self):
        resources = self.filtered(lambda d: d.employee_id and d.active)
        if not resources:
            return
        others = (
            self.search(
                [
                    ("employee_id", "in", resources.employee_id.ids),
                    ("project_id", "in", resources.project_id.ids),
                    ("id", "not in", resources.ids),
                ]
            )
            | resources
        )
        for delivery in resources:
            clash = others.filtered(
                lambda other, d=delivery: (
                    other != d
                    and other.employee_id == d.employee_id
                    and other.project_id == d.project_id
                    and other.date_start <= d.date_end
                    and other.date_end >= d.date_start
                )
            )[:1]
            if clash:
                raise ValidationError(
                    self.env._(
                        "%(employee)s is already delivered on project %(project)s from "
                        "%(start)s to %(end)s (%(other)s): the periods of two deliveries of "
                        "the same consultant on the same project cannot overlap.",
                        employee=delivery.employee_id.name,
                        project=delivery.project_id.display_name,
                        start=clash.date_start,
                        end=clash.date_end,
                        other=clash.name,
                    )
                )

    @api.constrains("sale_order_ids", "project_id")
    def _check_orders_customer(self):
        for delivery in self.filtered("sale_order_ids"):
            customer = delivery.project_id.partner_id.commercial_partner_id
            if not customer:
                raise ValidationError(
                    self.env._(
                        "Set the customer of project %(project)s before correlating delivery "
                        "%(name)s with an order.",
                        project=delivery.project_id.display_name,
                        name=delivery.name,
                    )
                )
            strangers = delivery.sale_order_ids.filtered(
                lambda order, c=customer: order.partner_id.commercial_partner_id != c
            )
            if strangers:
                raise ValidationError(
                    self.env._(
                        "Order %(orders)s belongs to %(other)s, not to %(customer)s, the "
                        "customer of project %(project)s: delivery %(name)s can only be "
                        "correlated with that customer's orders.",
                        orders=", ".join(strangers.mapped("name")),
                        other=strangers[0].partner_id.commercial_partner_id.display_name,
                        customer=customer.display_name,
                        project=delivery.project_id.display_name,
                        name=delivery.name,
                    )
                )

    @api.constrains("sale_order_ids")
    def _check_orders_currency(self):
        for delivery in self:
            if len(delivery.sale_order_ids.currency_id) > 1:
                raise ValidationError(
                    self.env._(
                        "Delivery %(name)s is correlated with orders in %(currencies)s: its "
                        "daily rate is in one currency, correlate it with orders of one "
                        "currency.",
                        name=delivery.name,
                        currencies=", ".join(delivery.sale_order_ids.currency_id.mapped("name")),
                    )
                )

    def _check_rate_currency_kept(self, currencies):
        """Refuse moving a priced delivery to an order in another currency without its rate
        in that currency: the same figure in another currency is another price."""
        for delivery in self:
            before = currencies[delivery.id]
            if delivery.daily_rate and delivery.currency_id != before:
                raise ValidationError(
                    self.env._(
                        "Delivery %(name)s is priced %(rate)s %(currency)s a day and order "
                        "%(order)s is in %(order_currency)s: give the daily rate in "
                        "%(order_currency)s together with the new order.",
                        name=delivery.name,
                        rate=delivery.daily_rate,
                        currency=before.name,
                        order=delivery.sale_order_ids[:1].name,
                        order_currency=delivery.currency_id.name,
                    )
                )

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code(
                        "postproduction.delivery", sequence_date=vals.get("date_start")
                    )
                    or "/"
                )
        deliveries = super().create(vals_list)
        deliveries._resolve_sale_line()
        return deliveries

    def write(self, vals):
        currencies = {}
        if "sale_order_ids" in vals and "daily_rate" not in vals:
            currencies = {delivery.id: delivery.currency_id for delivery in self}
        result = super().write(vals)
        if currencies:
            self._check_rate_currency_kept(currencies)
        if {"sale_order_ids", "daily_rate", "product_id", "employee_id"} & set(vals):
            self._resolve_sale_line()
        elif {"date_start", "date_end", "state", "project_id", "active"} & set(vals):
            self._reassign_timesheets()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        for delivery in self:
            if delivery.state != "draft" and delivery.sale_line_id.qty_invoiced:
                raise UserError(
                    self.env._(
                        "Delivery %(name)s has already been invoiced: close it instead of "
                        "deleting it.",
                        name=delivery.name,
                    )
                )

    # ------------------------------------------------------------------ order line
    def _resolve_sale_line(self):
        """Set the order line of each delivery correlated with exactly one order.

        Creates the line on the order when it has none for the delivery's product at its
        daily rate; clears it when the delivery has no order or several. Marks the
        project billable and re-attributes the delivery's timesheets.
        """
        for delivery in self:
            line = self.env["sale.order.line"]
            if delivery._needs_sale_line():
                line = delivery._find_sale_line() or delivery._create_sale_line()
                if not delivery.project_id.allow_billable:
                    delivery.project_id.allow_billable = True
            if delivery.sale_line_id != line:
                delivery.sale_line_id = line
        self._reassign_timesheets()

    def _needs_sale_line(self):
        """A resource or product delivery of one monthly order is invoiced on a line of it.

        Schedule orders are invoiced from their instalments, purchases from vendor bills.
        """
        self.ensure_one()
        return (
            self.correlation_status == "ok"
            and self.kind != "purchase"
            and self.sale_order_ids.postproduction_mode == "monthly"
        )

    def _find_sale_line(self):
        """The order's line for this delivery's product at its daily rate, if any.

        A line already used by a delivery of the same consultant is preferred; one used
        by another consultant is not shared.
        """
        self.ensure_one()
        order = self.sale_order_ids
        precision = self.env["decimal.precision"].precision_get("Product Price")
        candidates = order.order_line.filtered(
            lambda line: (
                line.product_id == self.product_id
                and not line.display_type
                and float_compare(line.price_unit, self.daily_rate, precision_digits=precision) == 0
            )
        )
        if self.sale_line_id in candidates:
            return self.sale_line_id
        users = self.search([("sale_line_id", "in", candidates.ids), ("id", "!=", self.id)])
        for line in candidates:
            line_users = users.filtered(lambda d, ln=line: d.sale_line_id == ln)
            if not line_users or line_users.employee_id == self.employee_id:
                return line
        return self.env["sale.order.line"]

    def _prepare_sale_line_values(self):
        self.ensure_one()
        day = self.env.ref("uom.product_uom_day")
        uom = self.product_id.uom_id
        return {
            "order_id": self.sale_order_ids.id,
            "product_id": self.product_id.id,
            "name": " - ".join(filter(None, [self.product_id.display_name, self.employee_id.name])),
            "product_uom": (day if uom.category_id == day.category_id else uom).id,
            "product_uom_qty": self.planned_days,
            "price_unit": self.daily_rate,
        }

    def _create_sale_line(self):
        self.ensure_one()
        order = self.sale_order_ids
        if order.locked or order.state == "cancel":
            raise UserError(
                self.env._(
                    "Order %(order)s is locked or cancelled: unlock it, or correlate delivery "
                    "%(name)s with another order.",
                    order=order.name,
                    name=self.name,
                )
            )
        order.write({"order_line": [Command.create(self._prepare_sale_line_values())]})
        return order.order_line[-1:]

    def _reassign_timesheets(self):
        """Recompute the order line of the timesheets these deliveries may cover."""
        resources = self.filtered("employee_id")
        if not resources:
            return
        timesheets = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("project_id", "in", resources.project_id.ids),
                    ("employee_id", "in", resources.employee_id.ids),
                    ("date", ">=", min(resources.mapped("date_start"))),
                    ("date", "<=", max(resources.mapped("date_end"))),
                    ("is_so_line_edited", "=", False),
                ]
            )
        )
        timesheets._compute_so_line()

    # ------------------------------------------------------------------ actions
    def action_confirm(self):
        """Confirm draft deliveries: they become ongoing and attract timesheets."""
        not_draft = self.filtered(lambda d: d.state != "draft")
        if not_draft:
            raise UserError(
                self.env._(
                    "Only draft deliveries can be confirmed: %(names)s.",
                    names=", ".join(not_draft.mapped("name")),
                )
            )
        self.write({"state": "ongoing"})
        return True

    def action_close(self):
        """Close ongoing deliveries."""
        self.filtered(lambda d: d.state == "ongoing").write({"state": "closed"})
        return True

    def action_reset_to_draft(self):
        closed_renewed = self.filtered("renewal_ids")
        if closed_renewed:
            raise UserError(
                self.env._(
                    "Delivery %(names)s has been renewed and stays closed.",
                    names=", ".join(closed_renewed.mapped("name")),
                )
            )
        self.write({"state": "draft"})
        return True

    def action_renew(self):
        """Open the renewal wizard on these deliveries."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_delivery_renew_wizard"
        )
        action["context"] = {"active_model": self._name, "active_ids": self.ids}
        return action

    def _prepare_renewal_values(self, date_start, date_end, daily_rate=None, order=None):
        self.ensure_one()
        return {
            "kind": self.kind,
            "project_id": self.project_id.id,
            "employee_id": self.employee_id.id,
            "product_id": self.product_id.id,
            "date_start": date_start,
            "date_end": date_end,
            "daily_rate": self.daily_rate if daily_rate is None else daily_rate,
            "sale_order_ids": [Command.set((order or self.sale_order_ids).ids)],
            "renewed_from_id": self.id,
            "company_id": self.company_id.id,
        }

    def _renew(self, date_start, date_end, daily_rate=None, order=None):
        """Create the deliveries continuing these ones and close these.

        Returns the new deliveries, confirmed.
        """
        if date_end < date_start:
            raise UserError(self.env._("The renewal ends before it starts."))
        early = self.filtered(lambda d: d.date_end >= date_start)
        if early:
            raise UserError(
                self.env._(
                    "The renewal must start after the end of %(names)s.",
                    names=", ".join(early.mapped("name")),
                )
            )
        renewed = self.filtered("renewal_ids")
        if renewed:
            raise UserError(
                self.env._(
                    "%(names)s has already been renewed.", names=", ".join(renewed.mapped("name"))
                )
            )
        new = self.create(
            [d._prepare_renewal_values(date_start, date_end, daily_rate, order) for d in self]
        )
        self.write({"state": "closed"})
        new.action_confirm()
        return new

    @api.model
    def _cron_close_ended_deliveries(self):
        self._close_ended_deliveries(fields.Date.context_today(self))

    @api.model
    def _close_ended_deliveries(self, date_ref):
        """Close the ongoing deliveries that ended before ``date_ref``."""
        ended = self.search([("state", "=", "ongoing"), ("date_end", "<", date_ref)])
        ended.action_close()
        return ended
