from odoo import fields, models

from ..calc import statuses
from .postproduction_invoice_run import RESULTS

REASON_CODES = [(reason.code, reason.label) for reason in statuses.REASONS]


class PostproductionInvoiceRunLine(models.Model):
    """The result of a run for one dashboard row (one project's month on one order)."""

    _name = "postproduction.invoice.run.line"
    _description = "PostProduction invoice run result"
    _order = "run_id desc, result, partner_id, project_id, id"
    _rec_name = "order_id"

    run_id = fields.Many2one(
        "postproduction.invoice.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    period = fields.Date(related="run_id.period", string="Month")
    project_id = fields.Many2one("project.project", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    status = fields.Char(string="Dashboard status", readonly=True)
    result = fields.Selection(RESULTS, required=True, readonly=True, index=True)
    reason_code = fields.Selection(REASON_CODES, string="Reason type", readonly=True)
    reason = fields.Text(readonly=True)
    einvoice_warning = fields.Text(
        string="E-invoice warning",
        readonly=True,
        help="What an e-invoicing platform would reject in this line's invoice (French "
        "companies), or why it was invoiced apart from the customer's other orders.",
    )
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(
        string="Untaxed amount",
        readonly=True,
        help="What the line invoiced, or would invoice in test mode, in the order's currency.",
    )
    amount_company = fields.Float(string="Amount in company currency", readonly=True)
