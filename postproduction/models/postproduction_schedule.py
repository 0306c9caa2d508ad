from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class PostproductionSchedule(models.Model):
    """An instalment of a schedule order: an amount due at a date."""

    _name = "postproduction.schedule"
    _description = "PostProduction schedule line"
    _order = "order_id, date, id"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer")
    date = fields.Date(required=True, index=True)
    name = fields.Char(string="Label", required=True)
    amount = fields.Monetary(required=True, currency_field="currency_id")
    state = fields.Selection(
        [("to_invoice", "To invoice"), ("invoiced", "Invoiced")],
        default="to_invoice",
        required=True,
        copy=False,
        index=True,
    )
    move_id = fields.Many2one("account.move", string="Invoice", copy=False, readonly=True)
    credit_move_id = fields.Many2one(
        "account.move",
        string="Returned by",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The credit note that returned this instalment to invoice.",
    )

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "The amount of an instalment must be positive."),
    ]

    _LOCKED_FIELDS = frozenset({"order_id", "date", "name", "amount"})

    @api.constrains("amount", "order_id")
    def _check_within_order_total(self):
        """A schedule bills the order, never more than its untaxed amount."""
        for order in self.order_id:
            total = sum(order.postproduction_schedule_ids.mapped("amount"))
            if order.currency_id.compare_amounts(total, order.amount_untaxed) > 0:
                raise ValidationError(
                    self.env._(
                        "The schedule of order %(order)s totals %(total)s, more than the "
                        "order's untaxed amount (%(amount)s): lower the instalments or add the "
                        "order lines they bill.",
                        order=order.name,
                        total=order.currency_id.format(total),
                        amount=order.currency_id.format(order.amount_untaxed),
                    )
                )

    def write(self, vals):
        if self._LOCKED_FIELDS & set(vals):
            self._check_not_invoiced(self.env._("modified"))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        self._check_not_invoiced(self.env._("deleted"))

    def _check_not_invoiced(self, what):
        invoiced = self.filtered(lambda line: line.state == "invoiced")
        if invoiced:
            line = invoiced[0]
            raise UserError(
                self.env._(
                    "The instalment %(label)s of %(date)s on order %(order)s is invoiced and "
                    "cannot be %(what)s. Cancel its invoice first.",
                    label=line.name,
                    date=line.date,
                    order=line.order_id.name,
                    what=what,
                )
            )
