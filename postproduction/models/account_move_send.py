from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_mail_partner_ids(self, move, mail_template, mail_lang):
        """Address PostProduction invoices to the customer's billing contact and copy the
        contacts ticked 'Invoice e-mail copy'; the customer itself when it has no billing
        contact."""
        partners = super()._get_default_mail_partner_ids(move, mail_template, mail_lang)
        if not move._postproduction_in_use():
            return partners
        customer = move.commercial_partner_id
        if customer.postproduction_billing_contact_id:
            partners -= move.partner_id | customer
        partners |= move.partner_id._postproduction_invoice_recipients()
        return partners.filtered("email")

    @api.model
    def _get_placeholder_mail_template_dynamic_attachments_data(
        self, move, mail_template, pdf_report=None
    ):
        """Offer the activity statement as an attachment of PostProduction invoices that
        bill timesheets."""
        result = super()._get_placeholder_mail_template_dynamic_attachments_data(
            move, mail_template, pdf_report=pdf_report
        )
        report = self.env.ref(
            "postproduction.action_report_activity_statement", raise_if_not_found=False
        )
        if (
            report
            and move._postproduction_in_use()
            and move.sudo().timesheet_ids
            and report.report_name not in {data.get("dynamic_report") for data in result}
        ):
            filename = move._get_invoice_report_filename()
            name = self.env._("activity_statement_%(file)s", file=filename)
            result.append(
                {
                    "id": f"placeholder_{name}",
                    "name": name,
                    "mimetype": "application/pdf",
                    "placeholder": True,
                    "dynamic_report": report.report_name,
                }
            )
        return result
