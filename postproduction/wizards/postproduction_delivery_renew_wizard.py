from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class PostproductionDeliveryRenewWizard(models.TransientModel):
    _name = "postproduction.delivery.renew.wizard"
    _description = "Renew PostProduction deliveries"

    delivery_ids = fields.Many2many(
        "postproduction.delivery",
        "postproduction_renew_wizard_delivery_rel",
        "wizard_id",
        "delivery_id",
        string="Deliveries",
        required=True,
    )
    date_start = fields.Date(string="New start", required=True)
    date_end = fields.Date(string="New end", required=True)
    keep_rate = fields.Boolean(string="Keep each delivery's rate", default=True)
    daily_rate = fields.Monetary(string="New daily rate", currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    sale_order_id = fields.Many2one(
        "sale.order",
        string="New order",
        help="Leave empty to keep the orders of each delivery.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "postproduction.delivery":
            deliveries = self.env["postproduction.delivery"].browse(
                self.env.context.get("active_ids", [])
            )
            values["delivery_ids"] = [fields.Command.set(deliveries.ids)]
            if deliveries and "date_start" in fields_list:
                start = max(deliveries.mapped("date_end")) + timedelta(days=1)
                length = max(d.date_end - d.date_start for d in deliveries)
                values.setdefault("date_start", start)
                values.setdefault("date_end", start + length)
        return values

    def action_renew(self):
        """Create the continuing deliveries and show them."""
        self.ensure_one()
        if not self.delivery_ids:
            raise UserError(self.env._("Choose the deliveries to renew."))
        rate = None if self.keep_rate else self.daily_rate
        new = self.delivery_ids._renew(self.date_start, self.date_end, rate, self.sale_order_id)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_delivery"
        )
        action["domain"] = [("id", "in", new.ids)]
        return action
