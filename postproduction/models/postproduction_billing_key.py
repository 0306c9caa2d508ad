from odoo import api, fields, models, tools

KINDS = [
    ("production", "Production"),
    ("schedule", "Instalments"),
    ("advance", "Advance"),
]


class PostproductionBillingKey(models.Model):
    """What an invoice bills: one project's month on one order, of one kind.

    The database holds one key per (company, project, order, month, kind, sequence), so
    that two runs cannot bill the same thing twice even if every check in Python were
    bypassed. A month billed again (a late timesheet, the delta) takes the next sequence.
    Cancelling or deleting the invoice deletes its keys: a later run bills the line again.
    """

    _name = "postproduction.billing.key"
    _description = "PostProduction billing key"
    _order = "period desc, order_id, sequence"
    _rec_name = "period"

    company_id = fields.Many2one("res.company", required=True, index=True)
    project_id = fields.Many2one("project.project", ondelete="restrict", index=True)
    order_id = fields.Many2one("sale.order", required=True, ondelete="restrict", index=True)
    period = fields.Date(string="Month", required=True)
    kind = fields.Selection(KINDS, required=True)
    sequence = fields.Integer(required=True, default=1)
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True
    )
    run_id = fields.Many2one("postproduction.invoice.run", ondelete="set null", index=True)
    amount = fields.Float(digits=(16, 2))

    _sql_constraints = [
        (
            "period_first_day",
            "CHECK(EXTRACT(DAY FROM period) = 1)",
            "The month of a billing key is the first day of that month.",
        ),
    ]

    def init(self):
        # NULL projects (schedule orders without project) compare equal: COALESCE to 0.
        tools.create_unique_index(
            self.env.cr,
            "postproduction_billing_key_uniq",
            self._table,
            ["company_id", "COALESCE(project_id, 0)", "order_id", "period", "kind", "sequence"],
        )

    @api.model
    def _next_sequences(self, keys):
        """The next sequence of each (project id, order id, month, kind) of ``keys``.

        One query for all of them; the keys of cancelled invoices are gone already.
        """
        if not keys:
            return {}
        groups = self._read_group(
            [
                ("order_id", "in", list({key[1] for key in keys})),
                ("period", "in", list({key[2] for key in keys})),
            ],
            ["project_id", "order_id", "period:day", "kind"],
            ["sequence:max"],
        )
        current = {
            (project.id or False, order.id, period, kind): sequence
            for project, order, period, kind, sequence in groups
        }
        return {key: current.get(key, 0) + 1 for key in keys}

    @api.model
    def _billed_orders(self, order_ids, period, kinds):
        """The ids of ``order_ids`` with a key of one of ``kinds`` in ``period``."""
        groups = self._read_group(
            [("order_id", "in", order_ids), ("period", "=", period), ("kind", "in", kinds)],
            ["order_id"],
        )
        return {order.id for (order,) in groups}
