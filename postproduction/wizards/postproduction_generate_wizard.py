from odoo import api, fields, models
from odoo.exceptions import UserError

from ..calc import periods


class PostproductionGenerateWizard(models.TransientModel):
    """Choose the dashboard rows to invoice, see how many are ready, and start the run."""

    _name = "postproduction.generate.wizard"
    _description = "Generate pro-forma invoices"

    period = fields.Date(
        string="Month",
        required=True,
        default=lambda self: self._default_period(),
        help="Any day of the month to invoice.",
    )
    invoice_date = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    project_type_ids = fields.Many2many(
        "postproduction.project.type", string="Project types", help="Empty: all."
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", domain="[('is_company', '=', True)]"
    )
    project_ids = fields.Many2many(
        "project.project",
        string="Projects",
        domain="[('company_id', 'in', [company_id, False])]"
        " + ([('partner_id', 'child_of', partner_ids)] if partner_ids else [])",
    )
    order_ids = fields.Many2many(
        "sale.order",
        string="Orders",
        domain="[('company_id', '=', company_id), ('state', '=', 'sale')]"
        " + ([('partner_id', 'child_of', partner_ids)] if partner_ids else [])"
        " + ([('postproduction_delivery_ids.project_id', 'in', project_ids)]"
        " if project_ids else [])",
    )
    row_ids = fields.Char(string="Selected rows", help="Ids of the dashboard rows selected.")
    row_count = fields.Integer(string="Selected row count", compute="_compute_row_count")
    simulate = fields.Boolean(
        string="Test mode",
        default=True,
        help="Compute what would be invoiced without creating anything.",
    )
    mode = fields.Selection(
        [("final", "Final"), ("advance", "Advance")],
        required=True,
        default="final",
        help="Final: the month's production, deducting what was invoiced in advance. "
        "Advance: the month's forecast of the orders invoiced in advance, as a down payment, "
        "from the company's preliminary invoice day of the month.",
    )
    grouping = fields.Selection(
        [("order", "One invoice per order"), ("partner", "One invoice per customer")],
        required=True,
        default="order",
    )
    previewed = fields.Boolean()
    ready_count = fields.Integer(string="Lines ready", readonly=True)
    skipped_count = fields.Integer(string="Lines skipped", readonly=True)
    ready_amount = fields.Float(string="Production to invoice", readonly=True, digits=(16, 2))

    @api.model
    def _default_period(self):
        rows = self._context_rows()
        if rows:
            return max(rows.mapped("period"))
        return periods.add_months(periods.month_start(fields.Date.context_today(self)), -1)

    @api.model
    def _context_rows(self):
        if self.env.context.get("active_model") != "postproduction.turnover":
            return self.env["postproduction.turnover"]
        return self.env["postproduction.turnover"].browse(self.env.context.get("active_ids") or [])

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        rows = self._context_rows()
        if rows:
            values["row_ids"] = ",".join(str(row_id) for row_id in rows.ids)
        return values

    @api.depends("row_ids")
    def _compute_row_count(self):
        for wizard in self:
            wizard.row_count = len(wizard._selected_row_ids())

    @api.onchange("partner_ids")
    def _onchange_partner_ids(self):
        if self.partner_ids:
            customers = self.partner_ids.commercial_partner_id
            self.project_ids = self.project_ids.filtered(
                lambda p: p.partner_id.commercial_partner_id in customers
            )
            self.order_ids = self.order_ids.filtered(
                lambda o: o.partner_id.commercial_partner_id in customers
            )
        self.previewed = False

    @api.onchange("project_ids")
    def _onchange_project_ids(self):
        if self.project_ids:
            self.order_ids = self.order_ids.filtered(
                lambda o: o.postproduction_delivery_ids.project_id & self.project_ids
            )
        self.previewed = False

    @api.onchange("period", "order_ids", "project_type_ids", "simulate", "grouping", "mode")
    def _onchange_choices(self):
        self.previewed = False

    def _selected_row_ids(self):
        self.ensure_one()
        return [int(part) for part in (self.row_ids or "").split(",") if part.strip()]

    def _get_domain(self):
        """The domain on the dashboard rows that these choices select."""
        self.ensure_one()
        domain = []
        if self._selected_row_ids():
            domain.append(("id", "in", self._selected_row_ids()))
        if self.project_type_ids:
            domain.append(("project_type_id", "in", self.project_type_ids.ids))
        if self.partner_ids:
            domain.append(("partner_id", "child_of", self.partner_ids.ids))
        if self.project_ids:
            domain.append(("project_id", "in", self.project_ids.ids))
        if self.order_ids:
            domain.append(("order_id", "in", self.order_ids.ids))
        return domain

    def _rows(self):
        return self.env["postproduction.turnover"].search(
            [
                ("period", "=", periods.month_start(self.period)),
                ("company_id", "=", self.company_id.id),
                *self._get_domain(),
            ]
        )

    def action_apply(self):
        """Count the lines ready and those that will be skipped; reopens the wizard."""
        self.ensure_one()
        rows = self._rows()
        ready = rows.filtered(lambda row: row.status == "to_invoice")
        self.write(
            {
                "previewed": True,
                "ready_count": len(ready),
                "skipped_count": len(rows) - len(ready),
                "ready_amount": sum(ready.mapped("delta")),
            }
        )
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "new",
            "context": self.env.context,
        }

    def action_start(self):
        """Run the generation and show its result."""
        self.ensure_one()
        if self.mode == "final" and not self._rows():
            raise UserError(
                self.env._("No dashboard line matches these choices: change the month or filters.")
            )
        run = self.env["postproduction.invoice.run"].generate(
            self.period,
            invoice_date=self.invoice_date,
            simulate=self.simulate,
            domain=self._get_domain(),
            mode=self.mode,
            grouping=self.grouping,
        )
        return run.action_open_result()
