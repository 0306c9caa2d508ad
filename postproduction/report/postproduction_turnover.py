import logging

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..calc import diagnosis, statuses, turnover_key
from ..models.postproduction_activity_statement import STATES as STATEMENT_STATES
from . import postproduction_turnover_sql as turnover_sql
from . import postproduction_turnover_sql_store as store

_logger = logging.getLogger(__name__)

STATUS_SELECTION = [(status.code, status.label) for status in statuses.STATUSES]

#: Indexes that let the month asked for reach the scans (same expressions as the views):
#: the timesheets of a project's month (a row's button, the groups a delivery boundary
#: cuts) are read from the first one alone (an index-only scan), the expenses and vendor
#: bills of a month from the second, the invoices billing it from the third.
INDEXES = [
    (
        "postproduction_aal_timesheet_project_month_idx",
        "account_analytic_line",
        "(date_trunc('month', date::timestamp)::date), project_id, employee_id",
        "date, so_line, product_uom_id, approval_state, company_id, unit_amount",
        "project_id IS NOT NULL",
    ),
    (
        "postproduction_aal_cost_month_idx",
        "account_analytic_line",
        "(date_trunc('month', date::timestamp)::date)",
        "",
        "project_id IS NULL",
    ),
    (
        "postproduction_move_month_idx",
        "account_move",
        "(date_trunc('month', COALESCE(postproduction_period, invoice_date, date)::timestamp)"
        "::date)",
        "",
        "move_type IN ('out_invoice', 'out_refund')",
    ),
]


#: The advisory lock of the fold of the marked rows (``_fold_marks``).
FOLD_LOCK = 0x7070_7475  # "pptu"

#: Indexes of earlier versions, replaced by the ones above.
OLD_INDEXES = ["postproduction_aal_timesheet_month_idx"]


class PostproductionTurnover(models.Model):
    """The dashboard: production and invoiced turnover per project, order and month.

    One row per (project, order, month) with activity, instalments or invoices that month;
    activity that no single order can take is on the row (project, no order, month). A SQL
    view (see ``postproduction_turnover_sql``); only the note can be written, and it is
    stored in ``postproduction.turnover.note``.
    """

    _name = "postproduction.turnover"
    _description = "PostProduction dashboard"
    _auto = False
    _order = "period desc, partner_name, project_name, order_name, id"
    _rec_name = "period"
    # what the view reads: the ORM writes pending changes of these before querying it; the
    # columns the triggers watch come from the same lists (``store``)
    _depends = {
        "account.analytic.line": list(store.ANALYTIC_COLUMNS),
        "account.move": list(store.MOVE_COLUMNS),
        "account.move.line": [
            "display_type",
            "expense_id",
            "move_id",
            "postproduction_write_off",
            "price_subtotal",
            "sale_line_ids",
        ],
        "hr.employee": ["name"],
        "postproduction.delivery": sorted([*store.DELIVERY_COLUMNS, "sale_order_ids"]),
        "postproduction.activity.statement": ["order_id", "period", "state"],
        "postproduction.schedule": ["amount", "date", "move_id", "order_id"],
        "postproduction.turnover.note": ["company_id", "note", "order_id", "period", "project_id"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["expense_policy", "list_price", "name"],
        "project.project": list(store.PROJECT_COLUMNS),
        "res.company": ["currency_id", "postproduction_validated_timesheets_only"],
        "res.currency": ["decimal_places"],
        "res.partner": ["complete_name"],
        "sale.order": list(store.ORDER_COLUMNS),
        "sale.order.line": sorted([*store.ORDER_LINE_COLUMNS, "invoice_lines"]),
        "uom.uom": ["category_id", "factor"],
    }

    period = fields.Date(string="Month", readonly=True, help="First day of the month.")
    project_id = fields.Many2one("project.project", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    project_type_id = fields.Many2one(
        "postproduction.project.type", string="Project type", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    mode = fields.Selection(
        [("monthly", "Monthly"), ("schedule", "Schedule")],
        string="Invoicing mode",
        readonly=True,
    )
    days = fields.Float(digits=(16, 2), readonly=True, aggregator="sum")
    timesheet_draft_count = fields.Integer(string="Draft", readonly=True)
    timesheet_submitted_count = fields.Integer(string="Submitted", readonly=True)
    timesheet_validated_count = fields.Integer(string="Validated", readonly=True)
    timesheet_refused_count = fields.Integer(string="Refused", readonly=True)
    timesheet_turnover = fields.Monetary(string="Timesheets", readonly=True)
    expense_turnover = fields.Monetary(string="Expenses", readonly=True)
    purchase_turnover = fields.Monetary(string="Purchases", readonly=True)
    schedule_turnover = fields.Monetary(string="Schedule", readonly=True)
    production_turnover = fields.Monetary(string="Production", readonly=True)
    invoiced_turnover = fields.Monetary(
        string="Invoiced",
        readonly=True,
        help="What invoices (draft or posted) bill for the month, net of every credit note, "
        "written-off ones included.",
    )
    written_off_turnover = fields.Monetary(
        string="Written off",
        readonly=True,
        help="Untaxed amount of the credit note lines flagged as written off (the "
        "non-chargeable quantity of a corrective invoice) for the month.",
    )
    delta = fields.Monetary(readonly=True, help="Production minus invoiced minus written off.")
    advanced_turnover = fields.Monetary(
        string="Advanced",
        readonly=True,
        help="Down payments that invoice this month's forecast in advance.",
    )
    open_advance = fields.Monetary(
        string="Advance to deduct",
        readonly=True,
        help="Down payments of the month that no final invoice deducts yet.",
    )
    regularisation = fields.Monetary(
        readonly=True,
        help="Production minus advanced: what the final invoice of the month adds (a credit "
        "note when negative).",
    )
    status = fields.Selection(STATUS_SELECTION, readonly=True)
    status_icon = fields.Char(readonly=True, help="The status's icon and colour classes.")
    status_decoration = fields.Char(readonly=True, help="The colour of the status's badge.")
    note = fields.Text(help="Kept on the dashboard only, never printed on an invoice.")
    # the facts of the diagnosis (calc.diagnosis)
    no_order_count = fields.Integer(string="Lines without order", readonly=True)
    multiple_orders_count = fields.Integer(string="Lines with several orders", readonly=True)
    partial_correlation = fields.Boolean(string="Partly correlated project", readonly=True)
    schedule_count = fields.Integer(string="Instalments", readonly=True)
    invoice_line_count = fields.Integer(string="Invoice lines", readonly=True)
    pending_count = fields.Integer(string="Timesheets not validated", readonly=True)
    validated_only = fields.Boolean(string="Validated timesheets only", readonly=True)
    signoff_required = fields.Boolean(string="Sign-off required", readonly=True)
    signoff_state = fields.Selection(STATEMENT_STATES, string="Activity statement", readonly=True)

    delivery_ids = fields.Many2many(
        "postproduction.delivery", string="Deliveries", compute="_compute_delivery_ids"
    )
    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        compute="_compute_invoice_ids",
        help="The invoices and credit notes billing this row, its advances and deductions.",
    )
    delivery_summary = fields.Char(
        string="Deliveries behind",
        readonly=True,
        help="The consultants, products and purchases of the deliveries behind the row.",
    )
    # names shown by the list, read with the rows (no display name to compute per row)
    order_name = fields.Char(string="Order reference", readonly=True)
    partner_name = fields.Char(string="Customer name", readonly=True)
    project_name = fields.Char(string="Project name", translate=True, readonly=True)
    status_explanation = fields.Char(string="How to fix", compute="_compute_status_explanation")

    # ------------------------------------------------------------------ view
    def init(self):
        """Create the views, the tables, the triggers and the functions; rebuild the
        timesheet sums and the kept rows when their definition changed, and fold the
        marks otherwise."""
        self.env.flush_all()
        cr = self.env.cr
        tools.drop_view_if_exists(cr, self._table)
        tools.drop_view_if_exists(cr, turnover_sql.DELIVERY_VIEW)  # of earlier versions
        self._drop_read_functions()
        for view, _body in reversed(turnover_sql.view_bodies()):
            tools.drop_view_if_exists(cr, view)
        outdated = self._timesheet_month_outdated()
        stored_outdated = self._stored_outdated()
        for statement in turnover_sql.create_statements(self._table, outdated, stored_outdated):
            cr.execute(statement)
        self._create_indexes()
        self._check_id_range()
        if stored_outdated:
            self._mark_everything()
        self._fold_marks()
        cr.execute(SQL("ANALYZE %s", SQL.identifier(store.STORED_TABLE)))

    def _timesheet_month_outdated(self):
        """Whether the timesheet sums are missing or were built by another definition;
        an upgrade that does not change them keeps them (a million lines to sum again)."""
        return self._comment(turnover_sql.TIMESHEET_MONTH_TABLE) != (
            turnover_sql.timesheet_month_fingerprint()
        )

    def _stored_outdated(self):
        """Whether the kept rows are missing or were computed by another definition."""
        return self._comment(store.STORED_TABLE) != turnover_sql.stored_fingerprint()

    def _comment(self, table):
        self.env.cr.execute(SQL("SELECT obj_description(to_regclass(%s), 'pg_class')", table))
        return self.env.cr.fetchone()[0]

    @api.model
    def _drop_timesheet_month(self):
        """Remove the views, the kept rows, the timesheet sums, their triggers and
        functions, and the indexes of ours on Odoo's tables (uninstall)."""
        views = (
            self._table,
            store.LIVE_VIEW,
            turnover_sql.ACTIVITY_VIEW,
            turnover_sql.LINE_VIEW,
            turnover_sql.DELIVERY_VIEW,
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self._drop_read_functions()
        for view in views:
            tools.drop_view_if_exists(self.env.cr, view)
        for statement in [
            *store.marks_drop(),
            *turnover_sql.timesheet_month_drop(),
            f"DROP TABLE IF EXISTS {store.STORED_TABLE}",
            f"DROP TABLE IF EXISTS {store.DIRTY_TABLE}",
        ]:
            self.env.cr.execute(SQL(statement))
        for name, *_definition in INDEXES:
            self.env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))

    def _drop_read_functions(self):
        """Drop the functions that read the kept rows (they return their type), and the
        function of earlier versions that read one month of the view."""
        self.env.cr.execute(
            SQL("DROP FUNCTION IF EXISTS %s(date)", SQL.identifier(turnover_sql.MONTH_FUNCTION))
        )
        for statement in store.read_functions_drop():
            self.env.cr.execute(SQL(statement))

    # ------------------------------------------------------------------ kept rows
    @api.model
    def _mark_everything(self):
        """Mark every row to compute again (the fold then computes them all)."""
        self.env.cr.execute(
            SQL("INSERT INTO %s VALUES (NULL, NULL)", SQL.identifier(store.DIRTY_TABLE))
        )

    @api.model
    def _fold_marks(self):
        """Compute the marked rows again and keep them; the number of marks folded.

        One fold at a time (a transaction-level advisory lock): a second one would
        compute the same rows and fail on the marks the first deletes.
        """
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", FOLD_LOCK))
        if not cr.fetchone()[0]:
            return 0
        self._disable_jit()
        cr.execute(SQL("SELECT %s()", SQL.identifier(store.FOLD_FUNCTION)))
        folded = cr.fetchone()[0]
        if folded:
            self._give_ids_to_kept_rows()
        return folded

    def _give_ids_to_kept_rows(self):
        """Give their id to the kept rows computed with their packed key."""
        table = SQL.identifier(store.STORED_TABLE)
        self.env.cr.execute(SQL("SELECT id FROM %s WHERE id > %s", table, turnover_key.MAX_ROW_ID))
        given = self._give_ids([row[0] for row in self.env.cr.fetchall()])
        if given:
            self.env.cr.execute(
                SQL(
                    """UPDATE %s s SET id = g.id
                         FROM unnest(%s::bigint[], %s::bigint[]) g (packed, id)
                        WHERE s.id = g.packed""",
                    table,
                    list(given),
                    list(given.values()),
                )
            )
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(turnover_sql.ROW_TABLE)))

    @api.model
    def _cron_fold_marks(self):
        """Keep the rows changed since the last fold (every minute)."""
        folded = self._fold_marks()
        if folded:
            _logger.info("PostProduction dashboard: %s marked keys computed again", folded)

    def _check_id_range(self):
        """Warn when project or order ids outgrow what a row id can hold."""
        self.env.cr.execute(
            SQL("SELECT (SELECT MAX(id) FROM project_project), (SELECT MAX(id) FROM sale_order)")
        )
        project_id, order_id = self.env.cr.fetchone()
        if (project_id or 0) > turnover_key.MAX_PROJECT_ID or (
            order_id or 0
        ) > turnover_key.MAX_ORDER_ID:
            _logger.warning(
                "PostProduction dashboard: project ids above %s or order ids above %s make "
                "row ids collide (see calc/turnover_key.py).",
                turnover_key.MAX_PROJECT_ID,
                turnover_key.MAX_ORDER_ID,
            )

    def _create_indexes(self):
        cr = self.env.cr
        for name in OLD_INDEXES:
            cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
        for name, table, expression, include, where in INDEXES:
            if tools.index_exists(cr, name):
                continue
            cr.execute(
                SQL(
                    "CREATE INDEX %s ON %s (%s)%s WHERE %s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                    SQL(expression),
                    SQL(" INCLUDE (%s)", SQL(include)) if include else SQL(),
                    SQL(where),
                )
            )

    # ------------------------------------------------------------------ computes
    def _compute_delivery_ids(self):
        """The deliveries behind each row: those of its project during its month that its
        order invoices (or, on a row without order, those with no order or several)."""
        deliveries = self._row_deliveries()
        for row in self:
            row.delivery_ids = self.env["postproduction.delivery"].browse(
                delivery["id"] for delivery in deliveries[row.id]
            )

    def _row_deliveries(self):
        """{row id: [delivery as a dict]}: one query for all the rows, read from their ids.

        A row takes the deliveries of its project during its month correlated with its
        order alone, or, without order, those correlated with no order or several.
        """
        keys = [(row_id, *key) for row_id, key in self._row_keys(self.ids).items()]
        result = {row_id: [] for row_id in self.ids}
        if not keys:
            return result
        self.env["postproduction.delivery"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT r.row_id, d.id, d.kind,
                       COALESCE(e.name, pt.name->>%(lang)s, pt.name->>'en_US', d.name) AS label
                  FROM unnest(%(row_ids)s::bigint[], %(months)s::date[], %(projects)s::int[],
                              %(orders)s::int[], %(shared)s::int[])
                       AS r(row_id, period, project_id, order_id, shared_company_id)
                  JOIN postproduction_delivery d
                    ON d.project_id = r.project_id AND d.state != 'draft' AND d.active
                   AND d.date_start < r.period + interval '1 month' AND d.date_end >= r.period
                  LEFT JOIN hr_employee e ON e.id = d.employee_id
                  LEFT JOIN product_product pp ON pp.id = d.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE d.company_id IN %(companies)s
                   AND d.company_id = COALESCE(r.shared_company_id, d.company_id)
                   AND CASE WHEN r.order_id IS NULL THEN d.correlation_status != 'ok'
                            ELSE d.correlation_status = 'ok' AND EXISTS (
                                SELECT 1 FROM postproduction_delivery_sale_order_rel o
                                 WHERE o.delivery_id = d.id AND o.order_id = r.order_id)
                       END
                 ORDER BY r.row_id, d.kind, d.date_start, d.id
                """,
                lang=self.env.lang or "en_US",
                row_ids=[key[0] for key in keys],
                months=[key[1] for key in keys],
                projects=[key[2] for key in keys],
                orders=[key[3] for key in keys],
                shared=[key[4] for key in keys],
                companies=tuple(self.env.companies.ids),
            )
        )
        for row_id, delivery_id, kind, label in self.env.cr.fetchall():
            result[row_id].append({"id": delivery_id, "kind": kind, "label": label})
        return result

    def _compute_invoice_ids(self):
        for row in self:
            row.invoice_ids = self.env["account.move"].browse(row._get_invoice_move_ids())

    def _get_invoice_move_ids(self):
        """Ids of the moves billing this row: invoices, credit notes, advances, deductions."""
        return sorted(
            self._activity_ids(("invoice", "write_off", "advance", "deduction"), "move_id")
        )

    @api.depends("status")
    def _compute_status_explanation(self):
        explanations = self._get_status_explanations()
        for row in self:
            row.status_explanation = explanations.get(row.status, "")

    @api.model
    def _get_status_explanations(self):
        """What each status means and how to fix it, for the legend and the rows."""
        return {status.code: self.env._(status.explanation) for status in statuses.STATUSES}

    def _get_diagnosis_facts(self):
        """The facts of ``calc.diagnosis`` for this row, as the view computed them."""
        self.ensure_one()
        return diagnosis.make_facts(
            production=self.production_turnover,
            invoiced=self.invoiced_turnover,
            written_off=self.written_off_turnover,
            no_order_count=self.no_order_count,
            multiple_orders_count=self.multiple_orders_count,
            partial_correlation=self.partial_correlation,
            mode=self.mode or "",
            schedule_count=self.schedule_count,
            validated_only=self.validated_only,
            signoff_required=self.signoff_required,
            signoff_state=self.signoff_state or "",
            pending_count=self.pending_count,
            invoice_line_count=self.invoice_line_count,
            abs_open_advance=abs(self.open_advance),
        )

    # ------------------------------------------------------------------ notes
    def write(self, vals):
        """Only the note can be written: it is stored per (project, order, month).

        Rows are neither created nor deleted (the access rights refuse it): they come
        from the activity.
        """
        vals = dict(vals)
        has_note = "note" in vals
        note = vals.pop("note", False)
        if vals:
            raise UserError(
                self.env._(
                    "The dashboard is computed from timesheets, expenses, purchases, "
                    "instalments and invoices: only its note can be changed."
                )
            )
        result = super().write(vals)
        if has_note:
            self._set_note(note)
        return result

    def _set_note(self, note):
        keys = [(row.project_id.id, row.order_id.id, row.period, row.company_id.id) for row in self]
        self.env["postproduction.turnover.note"]._set_notes(keys, note)
        self.invalidate_recordset(["note"])

    # ------------------------------------------------------------------ row buttons
    def _flush_dependencies(self):
        """Write what is pending on the tables the views read (``_depends``), as the ORM
        does before it reads the model, for a query on the other views."""
        for model_name, field_names in self._depends.items():
            self.env[model_name].flush_model(field_names)

    def _activity_ids(self, kinds, column="res_id"):
        """Ids (``res_id`` or ``move_id``) of this row's activity lines of ``kinds`` (a
        kind or a tuple of them)."""
        self.ensure_one()
        self._disable_jit()
        self._flush_dependencies()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT %(column)s FROM %(view)s
                    WHERE kind IN %(kinds)s AND period = %(period)s
                      AND project_id IS NOT DISTINCT FROM %(project)s
                      AND order_id IS NOT DISTINCT FROM %(order)s
                      AND company_id = COALESCE(%(shared)s, company_id)""",
                column=SQL.identifier(column),
                view=SQL.identifier(turnover_sql.ACTIVITY_VIEW),
                kinds=(kinds,) if isinstance(kinds, str) else tuple(kinds),
                period=self.period,
                project=self.project_id.id or None,
                order=self.order_id.id or None,
                shared=self._row_keys([self.id])[self.id][3],
            )
        )
        return [row[0] for row in self.env.cr.fetchall() if row[0]]

    def action_open_project(self):
        self.ensure_one()
        return self._form_action("project.project", self.project_id)

    def action_open_order(self):
        self.ensure_one()
        return self._form_action("sale.order", self.order_id)

    def _form_action(self, model, record):
        if not record:
            raise UserError(self.env._("This row has none: nothing to open."))
        return {
            "type": "ir.actions.act_window",
            "res_model": model,
            "res_id": record.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_delivery"
        )
        action["domain"] = [("id", "in", self.delivery_ids.ids)]
        action["context"] = {"default_project_id": self.project_id.id}
        return action

    def action_open_timesheets(self):
        """The timesheets of this row's month, where a validator can validate them."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "postproduction.action_postproduction_timesheet_to_validate"
        )
        action["name"] = self.env._(
            "Timesheets of %(project)s, %(month)s",
            project=self.project_id.display_name,
            month=format_date(self.env, self.period, date_format="MMMM y"),
        )
        action["domain"] = [("id", "in", self._activity_ids("timesheet"))]
        action["context"] = {"is_timesheet": 1, "create": 0}
        return action

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self._get_invoice_move_ids())]
        action["context"] = {"default_move_type": "out_invoice", "create": 0}
        return action

    def action_send_for_signoff(self):
        """Send the activity statements of these rows' orders and months for the
        customer's sign-off: made or brought up to date, then Odoo's mail composer."""
        rows = self.filtered(lambda row: row.order_id and row.mode == "monthly")
        if not rows:
            raise UserError(
                self.env._("Choose rows of monthly orders: only they have an activity statement.")
            )
        Statement = self.env["postproduction.activity.statement"]
        statements = Statement.browse()
        for period, group in rows.grouped("period").items():
            statements |= Statement._for_orders(group.order_id, period, refresh=False)
        signed = statements.filtered(lambda s: s.state in ("signed", "contested"))
        if signed == statements:
            raise UserError(
                self.env._(
                    "Activity statement %(statement)s is signed or contested already: a "
                    "manager resets it before it is sent again.",
                    statement=signed[:1].name,
                )
            )
        return (statements - signed).action_send()

    def action_open_detail(self):
        """This row in its form: deliveries, timesheets, turnover split, invoices."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "%(project)s, %(month)s",
                project=self.project_name or self.partner_name or "",
                month=format_date(self.env, self.period, date_format="MMMM y"),
            ),
            "res_model": self._name,
            "res_id": self.id,
            "views": [
                (self.env.ref("postproduction.postproduction_turnover_view_form").id, "form")
            ],
            "target": "new",
        }

    def action_open_legend(self):
        """The legend of the statuses, in a dialog."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dashboard legend"),
            "res_model": "postproduction.turnover.legend",
            "views": [(False, "form")],
            "target": "new",
        }
