"""The dashboard's Excel export: one sheet per month, with totals."""

import io
from collections import defaultdict

import xlsxwriter

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class PostproductionTurnover(models.Model):
    _inherit = "postproduction.turnover"

    def action_export_xlsx(self):
        """Export these rows (or, when none is selected, the list's filter) to Excel.

        Creates an attachment and returns the action that downloads it.
        """
        rows = self or self.search(self.env.context.get("active_domain") or [])
        if not rows:
            raise UserError(self.env._("No row to export: change the filters of the dashboard."))
        content = rows._xlsx_content()
        month = max(rows.mapped("period"))
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"postproduction-{month:%Y-%m}.xlsx",
                "raw": content,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _xlsx_columns(self):
        """(header, value getter, kind) of each column of the export."""
        status_labels = dict(self._fields["status"]._description_selection(self.env))
        mode_labels = dict(self._fields["mode"]._description_selection(self.env))
        return [
            (self.env._("Customer"), lambda r: r.partner_id.display_name or "", "text"),
            (self.env._("Project"), lambda r: r.project_id.display_name or "", "text"),
            (self.env._("Project type"), lambda r: r.project_type_id.name or "", "text"),
            (self.env._("Order"), lambda r: r.order_id.name or "", "text"),
            (self.env._("Mode"), lambda r: mode_labels.get(r.mode, ""), "text"),
            (self.env._("Deliveries"), lambda r: r.delivery_summary or "", "text"),
            (self.env._("Days"), lambda r: r.days, "number"),
            (self.env._("Draft"), lambda r: r.timesheet_draft_count, "count"),
            (self.env._("Submitted"), lambda r: r.timesheet_submitted_count, "count"),
            (self.env._("Validated"), lambda r: r.timesheet_validated_count, "count"),
            (self.env._("Refused"), lambda r: r.timesheet_refused_count, "count"),
            (self.env._("Timesheets"), lambda r: r.timesheet_turnover, "money"),
            (self.env._("Expenses"), lambda r: r.expense_turnover, "money"),
            (self.env._("Purchases"), lambda r: r.purchase_turnover, "money"),
            (self.env._("Schedule"), lambda r: r.schedule_turnover, "money"),
            (self.env._("Production"), lambda r: r.production_turnover, "money"),
            (self.env._("Invoiced"), lambda r: r.invoiced_turnover, "money"),
            (self.env._("Written off"), lambda r: r.written_off_turnover, "money"),
            (self.env._("Delta"), lambda r: r.delta, "delta"),
            (self.env._("Advanced"), lambda r: r.advanced_turnover, "money"),
            (self.env._("Regularisation"), lambda r: r.regularisation, "money"),
            (self.env._("Currency"), lambda r: r.currency_id.name or "", "text"),
            (self.env._("Status"), lambda r: status_labels.get(r.status, ""), "text"),
            (self.env._("Note"), lambda r: r.note or "", "text"),
        ]

    def _xlsx_content(self):
        """The workbook of these rows: one sheet per month, a totals row on each."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = self._xlsx_styles(workbook)
        by_month = defaultdict(self.browse)
        for row in self:
            by_month[row.period] |= row
        for month in sorted(by_month, reverse=True):
            by_month[month]._xlsx_sheet(workbook, styles, month)
        workbook.close()
        return output.getvalue()

    @api.model
    def _xlsx_styles(self, workbook):
        money = "#,##0.00;-#,##0.00"
        return {
            "header": workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1}),
            "text": workbook.add_format({}),
            "count": workbook.add_format({"num_format": "0"}),
            "number": workbook.add_format({"num_format": "#,##0.00"}),
            "money": workbook.add_format({"num_format": money}),
            "delta": workbook.add_format({"num_format": money}),
            "delta_red": workbook.add_format({"num_format": money, "font_color": "#C00000"}),
            "total": workbook.add_format({"bold": True, "top": 1}),
            "total_number": workbook.add_format({"bold": True, "top": 1, "num_format": money}),
        }

    def _xlsx_sheet(self, workbook, styles, month):
        # a month reads as a month: "November 2026", in the user's language
        sheet = workbook.add_worksheet(format_date(self.env, month, date_format="MMMM y"))
        columns = self._xlsx_columns()
        for col, (header, _getter, kind) in enumerate(columns):
            sheet.write(0, col, header, styles["header"])
            sheet.set_column(col, col, 14 if kind != "text" else 22)
        sheet.freeze_panes(1, 0)
        for row_index, row in enumerate(self, start=1):
            for col, (_header, getter, kind) in enumerate(columns):
                value = getter(row)
                style = kind
                if kind == "delta" and not row.currency_id.is_zero(value):
                    style = "delta_red"
                sheet.write(row_index, col, value, styles[style])
        self._xlsx_totals(sheet, styles, columns, len(self))

    def _xlsx_totals(self, sheet, styles, columns, count):
        total_row = count + 1
        sheet.write(total_row, 0, self.env._("Total"), styles["total"])
        for col, (_header, getter, kind) in enumerate(columns):
            if kind in ("text",) or col == 0:
                continue
            letter = xlsxwriter.utility.xl_col_to_name(col)
            total = sum(getter(row) for row in self)
            sheet.write_formula(
                total_row,
                col,
                f"=SUM({letter}2:{letter}{count + 1})",
                styles["total_number"],
                round(total, 2),
            )
