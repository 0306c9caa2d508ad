import base64
import io
from datetime import timedelta

from PIL import Image, ImageDraw

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..calc.periods import add_months, month_start


class PostproductionDemo(models.AbstractModel):
    """Builds the activity of the demo data (only called from demo/*.xml).

    Timesheets over the last three months, in every approval state, re-invoiced expenses,
    a re-invoiced vendor bill and last month's invoices: activity that XML records cannot
    date relative to today's working days.
    """

    _name = "postproduction.demo"
    _description = "PostProduction demo data builder"

    @api.model
    def _generate_timesheets(self, project_ids, pending_project_ids=(), today=None):
        """Timesheets of the projects' deliveries on each working day of the last 3 months.

        Months before last month are validated; last month is validated, except on the
        projects of ``pending_project_ids`` whose last week is submitted (one day refused);
        the current month stays draft (its first week submitted).
        """
        today = today or fields.Date.context_today(self)
        first = add_months(month_start(today), -3)
        last_month = add_months(month_start(today), -1)
        lines = self.env["account.analytic.line"]
        deliveries = self.env["postproduction.delivery"].search(
            [("project_id", "in", project_ids), ("kind", "=", "resource"), ("state", "!=", "draft")]
        )
        for delivery in deliveries:
            start = max(delivery.date_start, first)
            end = min(delivery.date_end, today - timedelta(days=1))
            if start > end:
                continue
            days = sorted(delivery.company_id._postproduction_working_days(start, end))
            values = [
                {
                    "name": f"{delivery.project_id.name}: analysis and development",
                    "project_id": delivery.project_id.id,
                    "employee_id": delivery.employee_id.id,
                    "date": day,
                    # a half day now and then, so that days and hours differ
                    "unit_amount": 4.0 if day.day % 9 == 0 else 8.0,
                }
                for day in days
            ]
            created = lines.create(values)
            validated = created.filtered(lambda t: t.date < month_start(today))
            if delivery.project_id.id in pending_project_ids:
                late = created.filtered(
                    lambda t: (
                        last_month <= t.date < month_start(today)
                        and t.date >= month_start(today) - timedelta(days=7)
                    )
                )
                validated -= late
                late.action_submit()
                late[:1].action_refuse()
            validated.action_validate()
            created.filtered(
                lambda t: t.date >= month_start(today) and t.date.day <= 7
            ).action_submit()
        return True

    @api.model
    def _generate_expenses(self, expense_ids):
        """Submit, approve and post the expenses, which re-invoices them on their orders."""
        expenses = self.env["hr.expense"].browse(expense_ids)
        for expense in expenses:
            expense.date = add_months(month_start(fields.Date.context_today(self)), -1) + (
                timedelta(days=9 + expense.id % 10)
            )
        sheet = self.env["hr.expense.sheet"].create(
            {
                "name": "Customer visits",
                "employee_id": expenses[0].employee_id.id,
                "expense_line_ids": [Command.set(expenses.ids)],
            }
        )
        sheet.action_submit_sheet()
        sheet.action_approve_expense_sheets()
        sheet.action_sheet_move_post()
        return True

    @api.model
    def _generate_vendor_bill(self, project_id, vendor_id, product_id, amount):
        """A posted vendor bill of last month on the project, which re-invoices it."""
        project = self.env["project.project"].browse(project_id)
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": vendor_id,
                "invoice_date": add_months(month_start(fields.Date.context_today(self)), -1)
                + timedelta(days=14),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product_id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            "analytic_distribution": {str(project.account_id.id): 100},
                        }
                    )
                ],
            }
        )
        bill.action_post()
        return True

    @api.model
    def _generate_invoices(self, project_ids, final_order_id, today=None):
        """Last month's invoices of the projects, through PostProduction's own generation.

        Runs the generation of last month on the projects' dashboard rows (what the
        generation wizard does outside test mode), which creates pro-forma invoices
        numbered PF/YYYY/NNNNN, then posts the invoice of order ``final_order_id``: the
        final invoice. The other invoices stay pro-forma; the other projects' rows stay to
        invoice. Gives two invoices external ids, for the demo data built on them (a
        corrective invoice):

        - ``postproduction.demo_invoice_final``: the posted invoice of ``final_order_id``;
        - ``postproduction.demo_invoice_proforma``: the first pro-forma, by order name.

        Returns the run's invoices; stops the demo install, naming each row's result, when
        the generation did not create them.
        """
        today = today or fields.Date.context_today(self)
        run = self.env["postproduction.invoice.run"].generate(
            add_months(month_start(today), -1),
            invoice_date=today,
            domain=[("project_id", "in", list(project_ids))],
        )
        generated = run.line_ids.filtered("move_id").sorted(lambda line: line.order_id.name)
        final = generated.filtered(lambda line: line.order_id.id == final_order_id).move_id
        proforma = (generated.move_id - final)[:1]
        if len(final) != 1 or not proforma:
            self._raise_generation_failed(run)
        final.action_post()
        self.env["ir.model.data"]._update_xmlids(
            [
                {"xml_id": "postproduction.demo_invoice_final", "record": final, "noupdate": True},
                {
                    "xml_id": "postproduction.demo_invoice_proforma",
                    "record": proforma,
                    "noupdate": True,
                },
            ]
        )
        return run.move_ids

    @api.model
    def _raise_generation_failed(self, run):
        """Stop the demo install, naming the result of each row of ``run``."""
        raise UserError(
            self.env._(
                "The demo generation did not create the expected invoices: %(results)s",
                results="; ".join(
                    f"{line.order_id.name or line.project_id.name}: {line.reason or line.result}"
                    for line in run.line_ids
                ),
            )
        )

    @api.model
    def _generate_corrected_invoice(self, project_id, today=None):
        """The project's invoice of the month before last, posted, then corrected.

        The customer did not pay for the onboarding: a corrective invoice writes half a
        day of the first consultant line off (the rest of the invoice stands). Gives the
        invoice and its credit note the external ids
        ``postproduction.demo_invoice_corrected`` and ``postproduction.demo_credit_note``.
        """
        today = today or fields.Date.context_today(self)
        period = add_months(month_start(today), -2)
        run = self.env["postproduction.invoice.run"].generate(
            period,
            invoice_date=add_months(period, 1) + timedelta(days=2),
            domain=[("project_id", "=", project_id)],
        )
        invoice = run.move_ids[:1]
        if not invoice:
            self._raise_generation_failed(run)
        invoice.action_post()
        wizard = self.env["postproduction.invoice.correction.wizard"].create(
            {"move_id": invoice.id, "reason": self.env._("Onboarding half-day not chargeable")}
        )
        day = self.env.ref("uom.product_uom_day")
        days = wizard.line_ids.filtered(lambda line: line.product_uom_id == day)[:1]
        for line in wizard.line_ids:
            line.corrected_quantity = line.quantity - (0.5 if line == days else 0.0)
        days.action = "write_off"
        refund = self.env["account.move"].browse(wizard.action_confirm()["res_id"])
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": "postproduction.demo_invoice_corrected",
                    "record": invoice,
                    "noupdate": True,
                },
                {"xml_id": "postproduction.demo_credit_note", "record": refund, "noupdate": True},
            ]
        )
        return refund

    @api.model
    def _generate_activity_statements(self, signed_order_id, sent_order_id, contested_order_id):
        """Last month's activity statements of three orders: one signed (its order requires
        the sign-off, and its invoice then carries the signed statement), one sent and
        waiting for the customer, one contested. Made before last month is invoiced."""
        Statement = self.env["postproduction.activity.statement"]
        Order = self.env["sale.order"]
        month = add_months(month_start(fields.Date.context_today(self)), -1)
        signed, sent, contested = (
            Statement._for_orders(Order.browse(order_id), month)
            for order_id in (signed_order_id, sent_order_id, contested_order_id)
        )
        (signed | sent | contested)._mark_sent()
        signed._sign("Nora Weber", self._demo_signature("Nora Weber"))
        contested._contest("Two days of the last week were spent on our internal training.")
        return signed | sent | contested

    @api.model
    def _demo_signature(self, name):
        """A drawn-looking signature of ``name`` (a PNG, base64), for the demo only."""
        image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
        draw = ImageDraw.Draw(image)
        draw.text((20, 30), name, fill=(20, 30, 90, 255), font_size=40)
        draw.line([(20, 90), (120, 80), (220, 95), (330, 78)], fill=(20, 30, 90, 255), width=3)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue())
