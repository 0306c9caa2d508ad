from datetime import date

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class PostproductionCase(TransactionCase):
    """A small services company: one customer, one project, two consultants, one order.

    Alice and Bob are consultants on project "Website" of customer Acme; order SO_A is a
    confirmed monthly order of Acme. Globex is another customer.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.postproduction_validated_timesheets_only = True
        cls.day_product = cls.env.ref("postproduction.product_consultant_day")
        cls.uom_day = cls.env.ref("uom.product_uom_day")
        cls.uom_hour = cls.env.ref("uom.product_uom_hour")

        cls.acme = cls.env["res.partner"].create({"name": "Acme", "is_company": True})
        cls.acme_contact = cls.env["res.partner"].create(
            {"name": "Acme buyer", "parent_id": cls.acme.id}
        )
        cls.globex = cls.env["res.partner"].create({"name": "Globex", "is_company": True})

        cls.user_pp = new_test_user(
            cls.env, "pp_user", groups="base.group_user,postproduction.group_postproduction_user"
        )
        cls.user_manager = new_test_user(
            cls.env,
            "pp_manager",
            groups="base.group_user,postproduction.group_postproduction_manager",
        )
        cls.user_validator = new_test_user(
            cls.env,
            "pp_validator",
            groups="base.group_user,postproduction.group_postproduction_timesheet_validator",
        )
        cls.user_alice = new_test_user(
            cls.env, "pp_alice", groups="base.group_user,hr_timesheet.group_hr_timesheet_user"
        )
        cls.user_bob = new_test_user(
            cls.env, "pp_bob", groups="base.group_user,hr_timesheet.group_hr_timesheet_user"
        )
        cls.user_employee = new_test_user(cls.env, "pp_employee", groups="base.group_user")

        cls.alice = cls.env["hr.employee"].create(
            {"name": "Alice", "user_id": cls.user_alice.id, "company_id": cls.company.id}
        )
        cls.bob = cls.env["hr.employee"].create(
            {"name": "Bob", "user_id": cls.user_bob.id, "company_id": cls.company.id}
        )

        cls.project = cls.env["project.project"].create(
            {
                "name": "Website",
                "partner_id": cls.acme.id,
                "allow_timesheets": True,
                "allow_billable": True,
                "company_id": cls.company.id,
            }
        )
        cls.order = cls.create_order(cls.acme)

    @classmethod
    def create_other_company_user(cls, login, group):
        """A user of ``group`` who works only in a new company, "Other services"."""
        other = cls.env["res.company"].create({"name": "Other services"})
        user = new_test_user(
            cls.env,
            login,
            groups=f"base.group_user,{group}",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        return other, user

    @classmethod
    def create_order(cls, partner, confirm=True, **values):
        order = cls.env["sale.order"].create(
            {"partner_id": partner.id, "company_id": cls.company.id, **values}
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def create_delivery(
        cls,
        employee=None,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        rate=500.0,
        orders=None,
        confirm=True,
        **values,
    ):
        delivery = cls.env["postproduction.delivery"].create(
            {
                "project_id": cls.project.id,
                "employee_id": (employee or cls.alice).id,
                "date_start": start,
                "date_end": end,
                "daily_rate": rate,
                "sale_order_ids": [Command.set((orders or cls.env["sale.order"]).ids)],
                **values,
            }
        )
        if confirm:
            delivery.action_confirm()
        return delivery

    @classmethod
    def create_timesheet(cls, day, hours=8.0, employee=None, project=None):
        return cls.env["account.analytic.line"].create(
            {
                "name": "Work",
                "project_id": (project or cls.project).id,
                "employee_id": (employee or cls.alice).id,
                "date": day,
                "unit_amount": hours,
            }
        )
