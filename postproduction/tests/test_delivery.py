from datetime import date

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form
from odoo.tools import mute_logger

from .common import PostproductionCase


class TestDelivery(PostproductionCase):
    def test_delivery_is_numbered_by_its_sequence(self):
        delivery = self.create_delivery()
        self.assertRegex(delivery.name, r"^DLV/2026/\d{5}$")

    def test_delivery_ending_before_it_starts_is_refused_by_the_database(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.create_delivery(start=date(2026, 3, 1), end=date(2026, 2, 28))

    def test_negative_daily_rate_is_refused_by_the_database(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.create_delivery(rate=-1)

    def test_resource_delivery_needs_a_consultant(self):
        with self.assertRaisesRegex(ValidationError, "choose its consultant"):
            self.env["postproduction.delivery"].create(
                {
                    "project_id": self.project.id,
                    "kind": "resource",
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 1, 31),
                }
            )

    def test_product_delivery_needs_a_product(self):
        with self.assertRaisesRegex(ValidationError, "needs a product"):
            self.env["postproduction.delivery"].create(
                {
                    "project_id": self.project.id,
                    "kind": "product",
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 1, 31),
                }
            )

    def test_resource_delivery_takes_the_day_product_by_default(self):
        delivery = self.create_delivery()
        self.assertEqual(delivery.product_id, self.day_product)
        self.assertEqual(delivery.company_id, self.project.company_id)
        self.assertEqual(delivery.partner_id, self.acme)

    def test_overlapping_deliveries_of_a_consultant_on_a_project_are_refused(self):
        self.create_delivery(start=date(2026, 1, 1), end=date(2026, 3, 31))
        count = self.env["postproduction.delivery"].search_count([])
        with self.assertRaisesRegex(ValidationError, "cannot overlap"), self.env.cr.savepoint():
            self.create_delivery(start=date(2026, 3, 31), end=date(2026, 6, 30))
        self.assertEqual(self.env["postproduction.delivery"].search_count([]), count)

    def test_consecutive_and_other_consultant_deliveries_are_accepted(self):
        self.create_delivery(start=date(2026, 1, 1), end=date(2026, 3, 31))
        self.create_delivery(start=date(2026, 4, 1), end=date(2026, 6, 30))
        self.create_delivery(employee=self.bob, start=date(2026, 1, 1), end=date(2026, 6, 30))
        other_project = self.project.copy({"name": "Mobile app"})
        self.create_delivery(
            start=date(2026, 1, 1), end=date(2026, 6, 30), project_id=other_project.id
        )

    def test_overlap_is_checked_when_dates_change(self):
        self.create_delivery(start=date(2026, 1, 1), end=date(2026, 3, 31))
        later = self.create_delivery(start=date(2026, 4, 1), end=date(2026, 6, 30))
        with self.assertRaisesRegex(ValidationError, "cannot overlap"):
            later.date_start = date(2026, 3, 15)

    def test_correlation_status_with_zero_one_and_two_orders(self):
        delivery = self.create_delivery()
        self.assertEqual(delivery.correlation_status, "no_order")
        self.assertFalse(delivery.sale_line_id)
        delivery.sale_order_ids = self.order
        self.assertEqual(delivery.correlation_status, "ok")
        self.assertTrue(delivery.sale_line_id)
        delivery.sale_order_ids |= self.create_order(self.acme)
        self.assertEqual(delivery.correlation_status, "multiple_orders")
        self.assertFalse(delivery.sale_line_id, "no single order line with two orders")

    def test_correlated_delivery_creates_its_order_line_in_days_at_the_daily_rate(self):
        delivery = self.create_delivery(rate=650.0, orders=self.order, planned_days=20)
        line = delivery.sale_line_id
        self.assertEqual(line.order_id, self.order)
        self.assertEqual(line.product_id, self.day_product)
        self.assertEqual(line.product_uom, self.uom_day)
        self.assertEqual(line.price_unit, 650.0)
        self.assertEqual(line.product_uom_qty, 20)
        self.assertEqual(line.qty_delivered_method, "timesheet")
        self.assertIn("Alice", line.name)
        self.assertEqual(self.order.postproduction_delivery_ids, delivery)

    def test_existing_order_line_at_the_same_rate_is_reused(self):
        existing = self.env["sale.order.line"].create(
            {
                "order_id": self.order.id,
                "product_id": self.day_product.id,
                "price_unit": 500.0,
                "product_uom_qty": 10,
            }
        )
        delivery = self.create_delivery(rate=500.0, orders=self.order)
        self.assertEqual(delivery.sale_line_id, existing)
        self.assertEqual(len(self.order.order_line), 1)

    def test_two_consultants_at_the_same_rate_get_their_own_lines(self):
        alice = self.create_delivery(rate=500.0, orders=self.order)
        bob = self.create_delivery(employee=self.bob, rate=500.0, orders=self.order)
        self.assertNotEqual(alice.sale_line_id, bob.sale_line_id)
        self.assertEqual(len(self.order.order_line), 2)

    def test_changing_the_rate_moves_the_delivery_to_a_line_at_the_new_rate(self):
        delivery = self.create_delivery(rate=500.0, orders=self.order)
        first = delivery.sale_line_id
        delivery.daily_rate = 550.0
        self.assertNotEqual(delivery.sale_line_id, first)
        self.assertEqual(delivery.sale_line_id.price_unit, 550.0)

    def test_delivery_of_a_schedule_order_gets_no_order_line(self):
        schedule_order = self.create_order(self.acme, postproduction_mode="schedule")
        delivery = self.create_delivery(orders=schedule_order)
        self.assertEqual(delivery.correlation_status, "ok")
        self.assertFalse(delivery.sale_line_id)
        self.assertFalse(schedule_order.order_line)
        schedule_order.postproduction_mode = "monthly"
        self.assertEqual(delivery.sale_line_id.order_id, schedule_order)

    def test_order_of_another_customer_is_refused(self):
        globex_order = self.create_order(self.globex)
        delivery = self.create_delivery()
        with self.assertRaisesRegex(ValidationError, "belongs to Globex"):
            delivery.sale_order_ids = globex_order
        self.assertFalse(globex_order.order_line, "nothing half-written on the other order")

    def foreign_order(self):
        other = self.env.ref("base.USD" if self.company.currency_id.name != "USD" else "base.EUR")
        other.active = True
        pricelist = self.env["product.pricelist"].create(
            {"name": "Abroad", "currency_id": other.id}
        )
        return self.create_order(self.acme, pricelist_id=pricelist.id)

    def test_daily_rate_is_in_the_currency_of_its_order(self):
        order = self.foreign_order()
        delivery = self.create_delivery(orders=order, rate=800.0)
        self.assertEqual(delivery.currency_id, order.currency_id)
        self.assertEqual(delivery.sale_line_id.currency_id, order.currency_id)
        self.assertAlmostEqual(delivery.sale_line_id.price_unit, 800.0)
        self.assertEqual(
            self.create_delivery(employee=self.bob).currency_id, self.company.currency_id
        )

    def test_a_priced_delivery_moves_to_another_currency_only_with_a_new_rate(self):
        order = self.foreign_order()
        delivery = self.create_delivery()
        with self.assertRaisesRegex(
            ValidationError, f"give the daily rate in {order.currency_id.name}"
        ):
            delivery.sale_order_ids = order
        self.assertFalse(order.order_line, "no line at the rate copied across currencies")
        delivery.write({"sale_order_ids": [Command.set(order.ids)], "daily_rate": 750.0})
        self.assertEqual(delivery.sale_line_id.order_id, order)
        self.assertAlmostEqual(delivery.sale_line_id.price_unit, 750.0)

    def test_orders_of_two_currencies_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "orders of one currency"):
            self.create_delivery(orders=self.order | self.foreign_order())

    def test_order_of_a_contact_of_the_customer_is_accepted(self):
        order = self.create_order(self.acme_contact)
        delivery = self.create_delivery(orders=order)
        self.assertEqual(delivery.correlation_status, "ok")

    def test_correlating_a_locked_order_is_refused(self):
        self.order.action_lock()
        with self.assertRaisesRegex(UserError, "locked or cancelled"):
            self.create_delivery(orders=self.order)

    def test_confirm_then_close_ended_deliveries_on_a_given_date(self):
        ended = self.create_delivery(start=date(2026, 1, 1), end=date(2026, 1, 31))
        current = self.create_delivery(start=date(2026, 2, 1), end=date(2026, 2, 28))
        draft = self.create_delivery(
            employee=self.bob, start=date(2026, 1, 1), end=date(2026, 1, 31), confirm=False
        )
        self.assertEqual(ended.state, "ongoing")
        closed = self.env["postproduction.delivery"]._close_ended_deliveries(date(2026, 2, 15))
        self.assertEqual(closed, ended)
        self.assertEqual(ended.state, "closed")
        self.assertEqual(current.state, "ongoing")
        self.assertEqual(draft.state, "draft")

    def test_confirming_twice_is_refused(self):
        delivery = self.create_delivery()
        with self.assertRaisesRegex(UserError, "Only draft deliveries"):
            delivery.action_confirm()


class TestRenewal(PostproductionCase):
    def renew(self, deliveries, **values):
        action = deliveries.action_renew()
        wizard_form = Form(
            self.env["postproduction.delivery.renew.wizard"].with_context(**action["context"])
        )
        for name, value in values.items():
            setattr(wizard_form, name, value)
        result = wizard_form.save().action_renew()
        return self.env["postproduction.delivery"].search(result["domain"])

    def test_renewal_continues_the_delivery_and_closes_the_old_one(self):
        old = self.create_delivery(
            start=date(2026, 1, 1), end=date(2026, 3, 31), rate=500.0, orders=self.order
        )
        new = self.renew(old)
        self.assertEqual(new.renewed_from_id, old)
        self.assertEqual(new.date_start, date(2026, 4, 1))
        self.assertEqual(new.date_end, date(2026, 6, 29), "same length as the old period")
        self.assertEqual(new.daily_rate, 500.0)
        self.assertEqual(new.sale_order_ids, self.order)
        self.assertEqual(new.sale_line_id, old.sale_line_id, "same order, same rate: same line")
        self.assertEqual(new.state, "ongoing")
        self.assertEqual(old.state, "closed")
        self.assertEqual(old.renewal_ids, new)

    def test_renewal_with_a_new_rate_and_a_new_order(self):
        old_bob = self.create_delivery(
            employee=self.bob, start=date(2026, 1, 1), end=date(2026, 3, 31), orders=self.order
        )
        old_alice = self.create_delivery(
            start=date(2026, 1, 1), end=date(2026, 3, 31), orders=self.order
        )
        new_order = self.create_order(self.acme)
        new = self.renew(
            old_alice | old_bob,
            date_start=date(2026, 4, 1),
            date_end=date(2026, 12, 31),
            keep_rate=False,
            daily_rate=700.0,
            sale_order_id=new_order,
        )
        self.assertEqual(len(new), 2)
        self.assertEqual(set(new.mapped("daily_rate")), {700.0})
        self.assertEqual(new.sale_line_id.order_id, new_order)
        self.assertEqual(len(new_order.order_line), 2)
        self.assertEqual(set((old_alice | old_bob).mapped("state")), {"closed"})

    def test_renewal_overlapping_the_old_period_is_refused(self):
        old = self.create_delivery(start=date(2026, 1, 1), end=date(2026, 3, 31))
        with self.assertRaisesRegex(UserError, "must start after the end"):
            self.renew(old, date_start=date(2026, 3, 1), date_end=date(2026, 6, 30))
        self.assertEqual(old.state, "ongoing")
        self.assertFalse(old.renewal_ids)

    def test_a_delivery_is_renewed_only_once(self):
        old = self.create_delivery(start=date(2026, 1, 1), end=date(2026, 3, 31))
        self.renew(old)
        with self.assertRaisesRegex(UserError, "already been renewed"):
            old._renew(date(2026, 10, 1), date(2026, 12, 31))


class TestFrench(PostproductionCase):
    def test_errors_speak_french_to_french_users(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["postproduction"], ["fr_FR"], overwrite=True
        )
        self.create_delivery(start=date(2026, 1, 1), end=date(2026, 3, 31))
        deliveries = self.env["postproduction.delivery"].with_context(lang="fr_FR")
        with self.assertRaisesRegex(ValidationError, "ne peuvent pas se chevaucher"):
            deliveries.create(
                {
                    "project_id": self.project.id,
                    "employee_id": self.alice.id,
                    "date_start": date(2026, 2, 1),
                    "date_end": date(2026, 6, 30),
                }
            )
