from odoo import api, models
from odoo.exceptions import ValidationError

FINANCIAL_DOCUMENT = "postproduction.financial.document"


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("res_model") == FINANCIAL_DOCUMENT:
                self._postproduction_check_size_before_storing(vals, vals.get("res_id"))
        attachments = super().create(vals_list)
        attachments._postproduction_check_financial_document_size()
        return attachments

    def write(self, vals):
        for attachment in self:
            if (vals.get("res_model") or attachment.res_model) == FINANCIAL_DOCUMENT:
                res_id = vals.get("res_id") or attachment.res_id
                self._postproduction_check_size_before_storing(vals, res_id)
        result = super().write(vals)
        if {"res_model", "res_id", "datas", "raw"} & set(vals):
            self._postproduction_check_financial_document_size()
        return result

    @api.model
    def _postproduction_check_size_before_storing(self, vals, res_id):
        """Refuse a file over the limit from its content in ``vals``, before the file
        store receives it (nothing written on the disk)."""
        if vals.get("raw"):
            size = len(vals["raw"])
        elif vals.get("datas"):
            data = vals["datas"]
            size = len(data) * 3 // 4 - (data[-2:].count(b"=" if isinstance(data, bytes) else "="))
        else:
            return
        document = self.env[FINANCIAL_DOCUMENT].sudo().browse(res_id).exists()
        company = document.company_id or self.env.company
        self.new({"name": vals.get("name") or "", "file_size": size})._postproduction_check_size(
            company
        )

    def _postproduction_check_financial_document_size(self):
        """Refuse files over the limit of their financial document's company."""
        attached = self.filtered(lambda a: a.res_model == FINANCIAL_DOCUMENT)
        if not attached:
            return
        documents = self.env[FINANCIAL_DOCUMENT].sudo().browse(attached.mapped("res_id")).exists()
        for attachment in attached:
            document = documents.filtered(lambda d, a=attachment: d.id == a.res_id)
            attachment._postproduction_check_size(document.company_id or self.env.company)

    def _postproduction_check_size(self, company):
        """Raise when one of these files is larger than ``company``'s limit."""
        limit = company.postproduction_attachment_max_size or 500
        for attachment in self.sudo():
            if attachment.file_size > limit * 1024 * 1024:
                raise ValidationError(
                    self.env._(
                        "File “%(file)s” weighs %(size)s, over the %(limit)s MB that company "
                        "%(company)s accepts on a financial document: compress or split the "
                        "file, or ask an administrator to raise the limit in the "
                        "PostProduction settings.",
                        file=attachment.name,
                        size="%.2f MB" % (attachment.file_size / 1024 / 1024),
                        limit=limit,
                        company=company.name,
                    )
                )
