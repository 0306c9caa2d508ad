from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import PostproductionCase


class TestAccessRights(PostproductionCase):
    def test_postproduction_user_manages_deliveries(self):
        delivery = self.create_delivery(orders=self.order)
        as_user = delivery.with_user(self.user_pp)
        self.assertEqual(as_user.read(["name"])[0]["name"], delivery.name)
        as_user.planned_days = 12
        new = (
            self.env["postproduction.delivery"]
            .with_user(self.user_pp)
            .create(
                {
                    "project_id": self.project.id,
                    "employee_id": self.bob.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 1, 31),
                    "daily_rate": 400,
                }
            )
        )
        self.assertEqual(new.state, "draft")

    def test_plain_employee_cannot_read_deliveries(self):
        delivery = self.create_delivery()
        with self.assertRaises(AccessError):
            delivery.with_user(self.user_employee).read(["name"])
        with self.assertRaises(AccessError):
            self.env["postproduction.delivery"].with_user(self.user_employee).create(
                {
                    "project_id": self.project.id,
                    "employee_id": self.bob.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 1, 31),
                }
            )

    def test_consultant_reads_but_does_not_manage_deliveries(self):
        delivery = self.create_delivery()
        delivery.with_user(self.user_alice).read(["name"])
        with self.assertRaises(AccessError):
            delivery.with_user(self.user_alice).write({"daily_rate": 1})

    def test_only_managers_configure_project_types_and_schedules(self):
        with self.assertRaises(AccessError):
            self.env["postproduction.project.type"].with_user(self.user_pp).create(
                {"name": "Agency", "code": "AG"}
            )
        self.env["postproduction.project.type"].with_user(self.user_manager).create(
            {"name": "Agency", "code": "AG"}
        )
        fixed_price = self.env["product.product"].create(
            {"name": "Fixed price", "type": "service", "invoice_policy": "order"}
        )
        # a schedule bills its order: the order is priced
        self.order.order_line = [Command.create({"product_id": fixed_price.id, "price_unit": 100})]
        schedule = {
            "order_id": self.order.id,
            "date": date(2026, 1, 31),
            "name": "1/1",
            "amount": 100,
        }
        with self.assertRaises(AccessError):
            self.env["postproduction.schedule"].with_user(self.user_pp).create(schedule)
        line = self.env["postproduction.schedule"].with_user(self.user_manager).create(schedule)
        self.assertEqual(line.with_user(self.user_pp).amount, 100)

    def test_manager_and_validator_groups_imply_what_they_need(self):
        self.assertTrue(self.user_manager.has_group("postproduction.group_postproduction_user"))
        self.assertTrue(self.user_manager.has_group("account.group_account_invoice"))
        self.assertTrue(self.user_pp.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertTrue(self.user_validator.has_group("hr_timesheet.group_hr_timesheet_approver"))
        self.assertFalse(self.user_pp.has_group("account.group_account_invoice"))


class TestMultiCompany(PostproductionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env["res.company"].create({"name": "PostProduction Lyon"})
        cls.project_2 = cls.env["project.project"].create(
            {
                "name": "Lyon project",
                "partner_id": cls.acme.id,
                "company_id": cls.company_2.id,
                "allow_timesheets": True,
            }
        )
        cls.employee_2 = cls.env["hr.employee"].create(
            {"name": "Chloé", "company_id": cls.company_2.id}
        )
        cls.delivery_2 = cls.env["postproduction.delivery"].create(
            {
                "project_id": cls.project_2.id,
                "employee_id": cls.employee_2.id,
                "date_start": date(2026, 1, 1),
                "date_end": date(2026, 1, 31),
                "daily_rate": 450,
                "company_id": cls.company_2.id,
            }
        )
        fixed_price = cls.env["product.product"].create(
            {"name": "Fixed price", "type": "service", "invoice_policy": "order"}
        )
        order_2 = cls.env["sale.order"].create(
            {
                "partner_id": cls.acme.id,
                "company_id": cls.company_2.id,
                # a schedule bills its order: the order is priced
                "order_line": [Command.create({"product_id": fixed_price.id, "price_unit": 100})],
            }
        )
        cls.schedule_2 = cls.env["postproduction.schedule"].create(
            {"order_id": order_2.id, "date": date(2026, 1, 31), "name": "1/1", "amount": 100}
        )
        cls.user_company_1 = new_test_user(
            cls.env,
            "pp_user_c1",
            groups="base.group_user,postproduction.group_postproduction_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def test_delivery_takes_the_company_of_its_project(self):
        self.assertEqual(self.delivery_2.company_id, self.company_2)

    def test_other_company_records_are_invisible(self):
        mine = self.create_delivery()
        deliveries = self.env["postproduction.delivery"].with_user(self.user_company_1).search([])
        self.assertIn(mine, deliveries)
        self.assertNotIn(self.delivery_2, deliveries)
        schedules = self.env["postproduction.schedule"].with_user(self.user_company_1).search([])
        self.assertNotIn(self.schedule_2, schedules)
        with self.assertRaises(AccessError):
            self.delivery_2.with_user(self.user_company_1).read(["name"])
