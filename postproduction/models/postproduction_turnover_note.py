from odoo import api, fields, models, tools


class PostproductionTurnoverNote(models.Model):
    """The accountant's note on a dashboard row: one project's month on one order.

    Kept apart from the dashboard's SQL view so that it survives any rebuild of the view;
    never printed on an invoice.
    """

    _name = "postproduction.turnover.note"
    _description = "PostProduction dashboard note"
    _order = "period desc, id desc"
    _rec_name = "period"

    project_id = fields.Many2one("project.project", ondelete="cascade", index=True)
    order_id = fields.Many2one("sale.order", ondelete="cascade", index=True)
    period = fields.Date(string="Month", required=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    note = fields.Text()

    _sql_constraints = [
        (
            "period_first_day",
            "CHECK(EXTRACT(DAY FROM period) = 1)",
            "The month of a dashboard note is the first day of that month.",
        ),
    ]

    def init(self):
        # One note per row; a row without order (or project) has its own note: NULL
        # compared as 0, as the dashboard's view joins them. A shared project's row
        # without order is one per company.
        self.env.cr.execute("DROP INDEX IF EXISTS postproduction_turnover_note_row_uniq")
        tools.create_unique_index(
            self.env.cr,
            "postproduction_turnover_note_row_company_uniq",
            self._table,
            ["COALESCE(project_id, 0)", "COALESCE(order_id, 0)", "period", "company_id"],
        )

    @api.model
    def _row_key(self, project_id, order_id, period, company_id):
        return (project_id or False, order_id or False, period, company_id)

    @api.model
    def _set_notes(self, keys, text):
        """Write ``text`` as the note of the rows ``keys``: (project id, order id, month,
        company id) tuples. Creates the missing notes; deletes them when ``text`` is empty.
        """
        if not keys:
            return
        existing = self.search(
            [
                ("project_id", "in", list({key[0] for key in keys})),
                ("period", "in", list({key[2] for key in keys})),
            ]
        )
        by_key = {
            self._row_key(
                note.project_id.id, note.order_id.id, note.period, note.company_id.id
            ): note
            for note in existing
        }
        found = self.browse()
        to_create = []
        for project_id, order_id, period, company_id in keys:
            note = by_key.get(self._row_key(project_id, order_id, period, company_id))
            if note:
                found |= note
            elif text:
                to_create.append(
                    {
                        "project_id": project_id or False,
                        "order_id": order_id or False,
                        "period": period,
                        "company_id": company_id,
                        "note": text,
                    }
                )
        if text:
            found.write({"note": text})
            self.create(to_create)
        else:
            found.unlink()
