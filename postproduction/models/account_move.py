from odoo import api, fields, models


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

    @api.depends("proforma_number")
    def _compute_display_name(self):
        result = super()._compute_display_name()
        for move in self:
            if move.state == "draft" and move.proforma_number:
                move.display_name = move.proforma_number
        return result

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "cancel":
            self._postproduction_release()
        return result

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
