import base64
from datetime import date, datetime, timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.postproduction.calc.periods import month_end

DOCUMENT = "postproduction.financial.document"


@tagged("post_install", "-at_install")
class FinancialDocumentCase(TransactionCase):
    """Project "Restoration" runs from 2017-09-15 to 2021-08-14 (calendar fiscal years).

    Its analytic account is the "Restoration" budget; "Travel" is a second budget.
    Documents of each representation are created by ``create_document``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.write({"fiscalyear_last_day": 31, "fiscalyear_last_month": "12"})
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Standard week (UTC)", "tz": "UTC", "company_id": cls.company.id}
        )
        cls.company.resource_calendar_id = cls.calendar
        for day in (date(2025, 12, 25), date(2026, 1, 1)):
            cls.env["resource.calendar.leaves"].create(
                {
                    "name": "Public holiday",
                    "calendar_id": cls.calendar.id,
                    "date_from": datetime.combine(day, datetime.min.time()),
                    "date_to": datetime.combine(day, datetime.max.time()).replace(microsecond=0),
                }
            )
        cls.project = cls.env["project.project"].create(
            {
                "name": "Restoration",
                "allow_timesheets": True,
                "company_id": cls.company.id,
                "date_start": date(2017, 9, 15),
                "date": date(2021, 8, 14),
            }
        )
        cls.budget = cls.project.account_id
        cls.travel = cls.env["account.analytic.account"].create(
            {"name": "Travel", "plan_id": cls.budget.plan_id.id, "company_id": cls.company.id}
        )
        Type = cls.env["postproduction.financial.document.type"]
        cls.type_invoice = Type.create(
            {
                "name": "T invoice",
                "code": "T_INV",
                "representation": "invoiced",
                "automatic_coding": True,
            }
        )
        cls.type_quote = Type.create(
            {"name": "T quote", "code": "T_QUO", "representation": "estimated"}
        )
        cls.type_order = Type.create(
            {
                "name": "T order",
                "code": "T_PO",
                "representation": "committed",
                "allow_parent": True,
                "parent_type_id": cls.type_quote.id,
            }
        )
        cls.type_forecast = Type.create(
            {"name": "T forecast", "code": "T_FC", "representation": "forecast_total"}
        )
        cls.type_planned = Type.create(
            {"name": "T planned", "code": "T_PL", "representation": "planned"}
        )
        cls.type_completed = Type.create(
            {"name": "T completed", "code": "T_DONE", "representation": "completed"}
        )
        cls.type_target = Type.create(
            {"name": "T target", "code": "T_TGT", "representation": "target"}
        )
        cls.user_pp = new_test_user(
            cls.env, "fd_user", groups="base.group_user,postproduction.group_postproduction_user"
        )
        cls.user_status = new_test_user(
            cls.env,
            "fd_status",
            groups="base.group_user,postproduction_financial_document.group_postproduction_financial_status_manager",
        )
        cls.user_employee = new_test_user(cls.env, "fd_employee", groups="base.group_user")

    @classmethod
    def create_document(
        cls,
        doc_type,
        amount=100.0,
        day=date(2019, 6, 30),
        method=None,
        budget=None,
        validated=False,
        project=None,
        **values,
    ):
        line = {"amount": amount, "analytic_account_id": (budget or cls.budget).id}
        if method:
            line["breakdown_method"] = method
        return cls.env[DOCUMENT].create(
            {
                "name": f"{doc_type.name} {amount}",
                "type_id": doc_type.id,
                "project_id": (project or cls.project).id,
                "date": day,
                "line_ids": [Command.create(line)],
                "state": "validated" if validated else "draft",
                **values,
            }
        )

    def years(self, document):
        return [(year.year, year.amount) for year in document.line_ids.year_ids.sorted("year")]


class TestFinancialDocumentBreakdown(FinancialDocumentCase):
    def test_calendar_days_reference_example(self):
        forecast = self.create_document(self.type_forecast, 100, method="linear_calendar_days")
        self.assertEqual(
            self.years(forecast),
            [(2017, 7.55), (2018, 25.52), (2019, 25.52), (2020, 25.59), (2021, 15.82)],
        )
        year_2017 = forecast.line_ids.year_ids.filtered(lambda y: y.year == 2017)
        self.assertEqual(
            (year_2017.date_start, year_2017.date_end), (date(2017, 9, 15), date(2017, 12, 31))
        )
        self.assertEqual(forecast.line_ids.deviation, 0)

    def test_the_leap_year_weighs_one_day_more(self):
        planned = self.create_document(self.type_planned, 1430, method="linear_calendar_days")
        # 1430 days: one unit per day
        self.assertEqual(
            self.years(planned), [(2017, 108), (2018, 365), (2019, 365), (2020, 366), (2021, 226)]
        )

    def test_working_days_exclude_weekends_and_public_holidays(self):
        self.project.write({"date_start": date(2025, 11, 1), "date": date(2026, 2, 28)})
        # 2025: 20 + 23 - Christmas = 42 days; 2026: 22 - New Year + 20 = 41 days
        planned = self.create_document(self.type_planned, 1000, method="linear_working_days")
        self.assertEqual(self.years(planned), [(2025, 506.02), (2026, 493.98)])

    def test_working_days_without_a_working_day_are_refused(self):
        self.project.write({"date_start": date(2025, 12, 27), "date": date(2025, 12, 28)})
        with self.assertRaisesRegex(UserError, "no working day between"):
            self.create_document(self.type_planned, 1000, method="linear_working_days")

    def test_last_period(self):
        forecast = self.create_document(self.type_forecast, 999.99, method="last_period")
        self.assertEqual(
            self.years(forecast), [(2017, 0), (2018, 0), (2019, 0), (2020, 0), (2021, 999.99)]
        )

    def test_a_project_of_one_year(self):
        self.project.write({"date_start": date(2019, 2, 1), "date": date(2019, 10, 31)})
        for method in (
            "linear_calendar_days",
            "linear_working_days",
            "linear_due_periods",
            "linear_current_period",
            "last_period",
        ):
            forecast = self.create_document(self.type_forecast, 500, method=method)
            self.assertEqual(self.years(forecast), [(2019, 500)], method)

    def test_manual_years_show_the_deviation(self):
        form = Form(self.env[DOCUMENT])
        form.name = "Manual forecast"
        form.type_id = self.type_forecast
        form.project_id = self.project
        form.date = date(2019, 6, 30)
        with form.line_ids.new() as line:
            line.breakdown_method = "manual"
            line.amount = 100
            self.assertEqual(len(line.year_ids), 5)
            with line.year_ids.edit(1) as year:
                year.amount = 60
            with line.year_ids.edit(3) as year:
                year.amount = 30
            self.assertEqual(line.deviation, 10)
        forecast = form.save()
        self.assertEqual(
            self.years(forecast), [(2017, 0), (2018, 60), (2019, 0), (2020, 30), (2021, 0)]
        )
        self.assertEqual(forecast.line_ids.deviation, 10)
        self.assertTrue(forecast.has_deviation)
        # the typed years stay when the total changes
        forecast.line_ids.amount = 90
        self.assertEqual(self.years(forecast)[1], (2018, 60))
        self.assertEqual(forecast.line_ids.deviation, 0)
        self.assertFalse(forecast.has_deviation)

    def test_switching_to_manual_starts_from_the_computed_years(self):
        forecast = self.create_document(self.type_forecast, 100, method="linear_calendar_days")
        forecast.line_ids.breakdown_method = "manual"
        self.assertEqual(self.years(forecast)[0], (2017, 7.55))
        self.assertEqual(forecast.line_ids.deviation, 0)

    def completed_history(self):
        """Completed work on the budget: 5 in 2017, 30 in 2018, 12 in March 2019."""
        for amount, day in ((5, date(2017, 12, 1)), (30, date(2018, 6, 1)), (12, date(2019, 3, 1))):
            self.create_document(self.type_completed, amount, day=day, validated=True)
        # not counted: another budget, a draft, work completed after the forecast's date
        self.create_document(
            self.type_completed, 1000, day=date(2018, 1, 1), budget=self.travel, validated=True
        )
        self.create_document(self.type_completed, 1000, day=date(2018, 1, 1))
        self.create_document(self.type_completed, 1000, day=date(2019, 7, 15), validated=True)

    def test_due_periods_past_years_take_the_completed_amounts(self):
        self.completed_history()
        forecast = self.create_document(self.type_forecast, 100, method="linear_due_periods")
        # the rest 65 over 2019 counted whole (365 days), 2020 (366) and 2021 (226)
        self.assertEqual(
            self.years(forecast),
            [(2017, 5), (2018, 30), (2019, 24.79), (2020, 24.86), (2021, 15.35)],
        )

    def test_current_period_keeps_the_completed_to_date(self):
        self.completed_history()
        forecast = self.create_document(self.type_forecast, 100, method="linear_current_period")
        # 2019 takes its 12 completed to date; the rest 53 over 2020 (366) and 2021 (226)
        self.assertEqual(
            self.years(forecast), [(2017, 5), (2018, 30), (2019, 12), (2020, 32.77), (2021, 20.23)]
        )

    def test_validating_completed_work_updates_the_draft_forecasts(self):
        forecast = self.create_document(self.type_forecast, 100, method="linear_due_periods")
        frozen = self.create_document(
            self.type_forecast, 100, method="linear_due_periods", validated=True
        )
        self.assertEqual(self.years(forecast)[1], (2018, 0))
        completed = self.create_document(self.type_completed, 40, day=date(2018, 5, 1))
        completed.action_validate()
        self.assertEqual(self.years(forecast)[1], (2018, 40))
        self.assertEqual(sum(amount for _year, amount in self.years(forecast)), 100)
        self.assertEqual(self.years(frozen)[1], (2018, 0))

    def test_today_before_the_start_spreads_by_calendar_days(self):
        for method in ("linear_due_periods", "linear_current_period"):
            forecast = self.create_document(
                self.type_forecast, 100, method=method, day=date(2016, 5, 1)
            )
            self.assertEqual(
                [amount for _year, amount in self.years(forecast)],
                [7.55, 25.52, 25.52, 25.59, 15.82],
                method,
            )

    def test_today_after_the_end_puts_the_rest_on_the_last_year(self):
        for amount, day in (
            (5, date(2017, 12, 1)),
            (30, date(2018, 6, 1)),
            (25, date(2019, 3, 1)),
            (20, date(2020, 3, 1)),
            (10, date(2021, 3, 1)),
        ):
            self.create_document(self.type_completed, amount, day=day, validated=True)
        forecast = self.create_document(
            self.type_forecast, 100, method="linear_due_periods", day=date(2022, 3, 1)
        )
        self.assertEqual([amount for _year, amount in self.years(forecast)], [5, 30, 25, 20, 20])

    def test_fiscal_years_follow_the_company_fiscal_year_end(self):
        self.company.write({"fiscalyear_last_day": 30, "fiscalyear_last_month": "6"})
        self.project.write({"date_start": date(2025, 5, 1), "date": date(2026, 8, 31)})
        planned = self.create_document(
            self.type_planned, 1000, method="linear_calendar_days", day=date(2025, 5, 1)
        )
        # 61, 365 and 62 days
        self.assertEqual(self.years(planned), [(2025, 125), (2026, 747.95), (2027, 127.05)])

    def test_changing_the_project_dates_recomputes_draft_breakdowns_only(self):
        draft = self.create_document(self.type_forecast, 100, method="linear_calendar_days")
        validated = self.create_document(
            self.type_forecast, 100, method="linear_calendar_days", validated=True
        )
        before = self.years(validated)
        self.project.write({"date_start": date(2018, 1, 1), "date": date(2020, 12, 31)})
        # 365, 365 and 366 days
        self.assertEqual(self.years(draft), [(2018, 33.3), (2019, 33.3), (2020, 33.4)])
        self.assertEqual(self.years(validated), before)

    def test_other_representations_are_not_broken_down(self):
        invoice = self.create_document(self.type_invoice, 100)
        self.assertFalse(invoice.line_ids.year_ids)
        self.assertFalse(invoice.line_ids.breakdown_method)
        self.assertEqual(invoice.line_ids.deviation, 0)

    def test_a_forecast_needs_project_dates(self):
        project = self.env["project.project"].create({"name": "Undated"})
        with self.assertRaisesRegex(ValidationError, "Set the start and end dates of project"):
            self.create_document(self.type_forecast, 100, project=project, budget=self.budget)


class TestFinancialDocumentRules(FinancialDocumentCase):
    def test_form_fills_the_budget_and_upper_cases_the_code(self):
        form = Form(self.env[DOCUMENT])
        form.name = "Invoice licence PM"
        form.code = "inv_licence_pm"
        form.type_id = self.type_invoice
        form.project_id = self.project
        self.assertEqual(form.date, fields.Date.context_today(self.env.user))
        with form.line_ids.new() as line:
            self.assertEqual(line.analytic_account_id, self.budget)
            line.amount = 1200
        document = form.save()
        self.assertEqual(document.code, "INV_LICENCE_PM")
        self.assertEqual(document.amount_total, 1200)
        self.assertEqual(document.line_ids.representation, "invoiced")

    def test_code_with_other_characters_is_refused_with_the_rule(self):
        with self.assertRaisesRegex(
            ValidationError, "upper-case letters A-Z, digits and underscores"
        ):
            self.create_document(self.type_quote, code="INV-2024/01")
        with self.assertRaisesRegex(ValidationError, "is not valid"):
            self.create_document(self.type_quote, code="Été")

    def test_code_is_unique_in_the_company(self):
        self.create_document(self.type_quote, code="Q1")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.create_document(self.type_quote, code="q1")

    def test_automatic_coding_gives_the_next_code_of_the_type(self):
        first = self.create_document(self.type_invoice)
        second = self.create_document(self.type_invoice)
        typed = self.create_document(self.type_invoice, code="MINE")
        self.assertEqual(first.code, "T_INV_00001")
        self.assertEqual(second.code, "T_INV_00002")
        self.assertEqual(typed.code, "MINE")
        self.assertFalse(self.create_document(self.type_quote).code)
        typed.code = False
        self.assertEqual(typed.code, "T_INV_00003")

    def test_one_line_per_budget(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.create_document(self.type_quote).line_ids = [Command.create({"amount": 5})]

    def test_parent_only_when_the_type_allows_it(self):
        quote = self.create_document(self.type_quote)
        order = self.create_document(self.type_order, parent_id=quote.id)
        self.assertEqual(quote.child_ids, order)
        with self.assertRaisesRegex(ValidationError, "have no parent"):
            self.create_document(self.type_invoice, parent_id=quote.id)

    def test_parent_of_the_allowed_type(self):
        other = self.create_document(self.type_invoice)
        with self.assertRaisesRegex(ValidationError, "must be a document of type T quote"):
            self.create_document(self.type_order, parent_id=other.id)

    def test_parent_on_the_same_project(self):
        project = self.env["project.project"].create({"name": "Other", "allow_timesheets": True})
        quote = self.create_document(self.type_quote, project=project, budget=project.account_id)
        with self.assertRaisesRegex(ValidationError, "must be on the same project"):
            self.create_document(self.type_order, parent_id=quote.id)

    def test_phase_of_another_project_is_refused(self):
        project = self.env["project.project"].create({"name": "Other"})
        phase = self.env["project.milestone"].create({"name": "Shoot", "project_id": project.id})
        with self.assertRaisesRegex(ValidationError, "Phase Shoot belongs to project Other"):
            self.create_document(self.type_quote, milestone_id=phase.id)

    def test_date_in_a_future_month_is_refused(self):
        last_day = month_end(fields.Date.context_today(self.env.user))
        self.assertEqual(self.create_document(self.type_quote, day=last_day).date, last_day)
        with self.assertRaisesRegex(ValidationError, "in a future month"):
            self.create_document(self.type_quote, day=last_day + timedelta(days=1))

    def test_validated_document_is_locked(self):
        document = self.create_document(self.type_forecast, validated=True)
        with self.assertRaisesRegex(UserError, "is validated and cannot be modified"):
            document.name = "Renamed"
        with self.assertRaisesRegex(UserError, "is validated and cannot be changed"):
            document.line_ids.amount = 5
        with self.assertRaisesRegex(UserError, "is validated and cannot be changed"):
            document.line_ids.year_ids[0].amount = 5
        with self.assertRaisesRegex(UserError, "is validated and cannot be modified"):
            document.line_ids = [
                Command.create({"amount": 5, "analytic_account_id": self.travel.id})
            ]
        with self.assertRaisesRegex(UserError, "is validated and cannot be changed"):
            self.env["postproduction.financial.document.line"].create(
                {"document_id": document.id, "amount": 5, "analytic_account_id": self.travel.id}
            )
        with self.assertRaisesRegex(UserError, "is validated and cannot be changed"):
            document.line_ids.year_ids[0].unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            document.unlink()
        document.action_reset_to_draft()
        document.name = "Renamed"
        document.unlink()

    def test_status_needs_the_status_manager_group(self):
        document = self.create_document(self.type_quote).with_user(self.user_pp)
        with self.assertRaisesRegex(AccessError, "Financial document status manager"):
            document.action_validate()
        with self.assertRaises(AccessError):
            document.write({"state": "validated"})
        with self.assertRaises(AccessError):
            self.env[DOCUMENT].with_user(self.user_pp).create(
                {
                    "name": "Sneaky",
                    "type_id": self.type_quote.id,
                    "project_id": self.project.id,
                    "state": "validated",
                }
            )
        document.name = "A user may edit a draft"
        document.with_user(self.user_status).action_validate()
        self.assertEqual(document.state, "validated")
        with self.assertRaises(AccessError):
            document.action_reset_to_draft()
        document.with_user(self.user_status).action_reset_to_draft()
        self.assertEqual(document.state, "draft")

    def test_a_document_without_line_is_not_validated(self):
        document = self.env[DOCUMENT].create(
            {"name": "Empty", "type_id": self.type_quote.id, "project_id": self.project.id}
        )
        with self.assertRaisesRegex(UserError, "Add at least one line"):
            document.action_validate()

    def bulk_wizard(self, documents, day):
        return (
            self.env["postproduction.financial.document.date.wizard"]
            .with_context(active_model=DOCUMENT, active_ids=documents.ids)
            .create({"date": day})
        )

    def test_bulk_date_moves_planned_and_forecast_documents(self):
        forecast = self.create_document(self.type_forecast, 100, method="linear_due_periods")
        planned = self.create_document(self.type_planned, 100)
        self.create_document(self.type_completed, 40, day=date(2020, 2, 1), validated=True)
        self.bulk_wizard(forecast | planned, date(2021, 1, 15)).action_apply()
        self.assertEqual((forecast.date, planned.date), (date(2021, 1, 15), date(2021, 1, 15)))
        # as of 2021, the forecast's past years take the completed amounts
        self.assertEqual([amount for _year, amount in self.years(forecast)][:4], [0, 0, 0, 40])

    def test_bulk_date_refuses_other_representations_by_name(self):
        forecast = self.create_document(self.type_forecast)
        invoice = self.create_document(self.type_invoice, name="Invoice licence PM")
        wizard = self.bulk_wizard(forecast | invoice, date(2020, 1, 1))
        with self.assertRaisesRegex(UserError, r"Invoice licence PM"):
            wizard.action_apply()
        self.assertEqual(forecast.date, date(2019, 6, 30))

    def test_bulk_date_refuses_validated_documents(self):
        forecast = self.create_document(self.type_forecast, validated=True)
        with self.assertRaisesRegex(UserError, "is validated"):
            self.bulk_wizard(forecast, date(2020, 1, 1)).action_apply()

    def test_attachment_over_the_company_limit_is_refused(self):
        self.company.postproduction_attachment_max_size = 1
        document = self.create_document(self.type_invoice)
        small = self.env["ir.attachment"].create(
            {"name": "small.pdf", "datas": base64.b64encode(b"x" * 1000)}
        )
        document.attachment_ids = [Command.link(small.id)]
        big = self.env["ir.attachment"].create(
            {"name": "scan.tiff", "datas": base64.b64encode(b"x" * 2 * 1024 * 1024)}
        )
        with self.assertRaisesRegex(
            ValidationError,
            r"“scan\.tiff” weighs 2\.00 MB, over the "
            r"1 MB",
        ):
            document.attachment_ids = [Command.link(big.id)]
        with self.assertRaisesRegex(ValidationError, "scan.tiff"):
            self.env["ir.attachment"].create(
                {
                    "name": "scan.tiff",
                    "raw": b"x" * 2 * 1024 * 1024,
                    "res_model": DOCUMENT,
                    "res_id": document.id,
                }
            )

    def test_a_file_over_the_limit_never_reaches_the_file_store(self):
        self.company.postproduction_attachment_max_size = 1
        document = self.create_document(self.type_invoice)
        stored = []
        original = type(self.env["ir.attachment"])._file_write

        def file_write(attachment, bin_value, checksum):
            stored.append(len(bin_value))
            return original(attachment, bin_value, checksum)

        with (
            patch.object(type(self.env["ir.attachment"]), "_file_write", file_write),
            self.assertRaises(ValidationError),
        ):
            self.env["ir.attachment"].create(
                {
                    "name": "scan.tiff",
                    "datas": base64.b64encode(b"x" * 2 * 1024 * 1024),
                    "res_model": DOCUMENT,
                    "res_id": document.id,
                }
            )
        self.assertEqual(stored, [])

    def test_a_line_cannot_move_into_a_validated_document(self):
        validated = self.create_document(self.type_forecast, validated=True)
        draft = self.create_document(self.type_forecast)
        with self.assertRaises(UserError) as refused:
            draft.line_ids[:1].document_id = validated
        self.assertIn("is validated and cannot be changed", str(refused.exception))
        self.assertEqual(len(validated.line_ids), 1)

    def test_default_attachment_limit_is_500_mb(self):
        company = self.env["res.company"].create({"name": "New company"})
        self.assertEqual(company.postproduction_attachment_max_size, 500)


class TestFinancialDocumentAccess(FinancialDocumentCase):
    def test_user_without_postproduction_group_cannot_read_documents(self):
        document = self.create_document(self.type_quote)
        with self.assertRaises(AccessError):
            document.with_user(self.user_employee).read(["name"])

    def test_postproduction_user_manages_documents_but_not_types(self):
        Document = self.env[DOCUMENT].with_user(self.user_pp)
        document = Document.create(
            {
                "name": "Quote",
                "type_id": self.type_quote.id,
                "project_id": self.project.id,
                "line_ids": [Command.create({"amount": 10})],
            }
        )
        document.line_ids.amount = 20
        self.assertEqual(document.amount_total, 20)
        self.assertTrue(
            self.env["postproduction.budget.monitoring"].with_user(self.user_pp).search([])
        )
        with self.assertRaises(AccessError):
            self.env["postproduction.financial.document.type"].with_user(self.user_pp).create(
                {"name": "Mine", "code": "MINE", "representation": "target"}
            )
        document.unlink()

    def test_documents_of_another_company_are_invisible(self):
        document = self.create_document(self.type_quote)
        other = self.env["res.company"].create({"name": "Other company"})
        user = new_test_user(
            self.env,
            "fd_other",
            groups="base.group_user,postproduction.group_postproduction_user",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(self.env[DOCUMENT].with_user(user).search([("id", "=", document.id)]))
        with self.assertRaises(AccessError):
            document.with_user(user).read(["name"])
        with self.assertRaises(AccessError):
            document.line_ids.with_user(user).read(["amount"])
        self.assertFalse(
            self.env["postproduction.budget.monitoring"]
            .with_user(user)
            .search([("document_id", "=", document.id)])
        )


class TestBudgetMonitoring(FinancialDocumentCase):
    def amounts(self, domain=None):
        groups = self.env["postproduction.budget.monitoring"]._read_group(
            [("project_id", "=", self.project.id), *(domain or [])],
            ["fiscal_year", "representation"],
            ["amount:sum"],
        )
        return {(year, representation): amount for year, representation, amount in groups}

    def test_amounts_by_fiscal_year_and_representation(self):
        self.create_document(self.type_target, 1000, day=date(2017, 9, 15))
        self.create_document(self.type_forecast, 100, method="linear_calendar_days")
        self.create_document(self.type_invoice, 40, day=date(2018, 3, 1))
        self.create_document(self.type_invoice, 2, day=date(2018, 4, 1), budget=self.travel)
        self.create_document(self.type_quote, 30, day=date(2019, 1, 1))
        self.create_document(self.type_order, 25, day=date(2019, 2, 1))
        self.create_document(self.type_completed, 20, day=date(2020, 2, 1))
        planned = self.env[DOCUMENT].create(
            {
                "name": "Manual plan",
                "type_id": self.type_planned.id,
                "project_id": self.project.id,
                "date": date(2017, 9, 15),
                "line_ids": [Command.create({"amount": 50, "breakdown_method": "manual"})],
            }
        )
        planned.line_ids.year_ids.filtered(lambda y: y.year == 2018).amount = 45
        self.assertEqual(
            self.amounts(),
            {
                ("2017", "target"): 1000,
                ("2017", "forecast_total"): 7.55,
                ("2018", "forecast_total"): 25.52,
                ("2019", "forecast_total"): 25.52,
                ("2020", "forecast_total"): 25.59,
                ("2021", "forecast_total"): 15.82,
                ("2018", "invoiced"): 42,
                ("2019", "estimated"): 30,
                ("2019", "committed"): 25,
                ("2020", "completed"): 20,
                ("2017", "planned"): 0,
                ("2018", "planned"): 45,
                ("2019", "planned"): 0,
                ("2020", "planned"): 0,
                ("2021", "planned"): 0,
                # the deviation of the manual plan, on no year
                (False, "planned"): 5,
            },
        )

    def test_a_document_counts_on_the_fiscal_year_of_its_date(self):
        self.company.write({"fiscalyear_last_day": 30, "fiscalyear_last_month": "6"})
        self.create_document(self.type_invoice, 10, day=date(2019, 6, 30))
        self.create_document(self.type_invoice, 20, day=date(2019, 7, 1))
        self.assertEqual(self.amounts(), {("2019", "invoiced"): 10, ("2020", "invoiced"): 20})

    def test_project_smart_button_counts_the_documents(self):
        self.create_document(self.type_quote)
        self.create_document(self.type_invoice)
        self.assertEqual(self.project.postproduction_financial_document_count, 2)
        action = self.project.action_view_postproduction_financial_documents()
        self.assertEqual(
            self.env[DOCUMENT].search(action["domain"]),
            self.project.postproduction_financial_document_ids,
        )
