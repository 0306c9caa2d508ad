from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user
from odoo.tools.safe_eval import safe_eval

from ..models.postproduction_invoice_run import ORDER_LOCK_NAMESPACE
from .common import PostproductionCase

WIZARD = "postproduction.invoice.add.lines.wizard"
JAN = date(2026, 1, 1)


class AddLinesCase(PostproductionCase):
    """Order SO_A of Acme (customer reference PO-4512), under a section and with a note:
    a set-up of 2 units at 750 invoiced on order, and Alice's days at 500 invoiced from
    timesheets: 2.5 validated days in January, 1 in February, and 1 day still submitted.
    Both lines are taxed 20%. A draft invoice of Acme for January already bills a flat
    fee of 100."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "VAT 20%",
                "amount": 20.0,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.setup_product = cls.env["product.product"].create(
            {
                "name": "Website set-up",
                "type": "service",
                "invoice_policy": "order",
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.order.write(
            {
                "client_order_ref": "PO-4512",
                "project_id": cls.project.id,
                "order_line": [
                    Command.create({"display_type": "line_section", "name": "Build"}),
                    Command.create(
                        {
                            "product_id": cls.setup_product.id,
                            "product_uom_qty": 2,
                            "price_unit": 750.0,
                        }
                    ),
                    Command.create({"display_type": "line_note", "name": "Delivered in May"}),
                ],
            }
        )
        cls.setup_line = cls.order.order_line.filtered(
            lambda line: line.product_id == cls.setup_product
        )
        cls.day_line = cls.create_delivery(orders=cls.order).sale_line_id
        cls.day_line.tax_id = cls.tax
        cls.january = cls.env["account.analytic.line"]
        for day, hours in ((5, 8.0), (6, 8.0), (7, 4.0)):
            cls.january |= cls._validated_timesheet(date(2026, 1, day), hours)
        cls.february = cls._validated_timesheet(date(2026, 2, 2), 8.0)
        cls.submitted = cls.create_timesheet(date(2026, 1, 8))
        cls.submitted.action_submit()

        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.acme.id,
                "invoice_date": date(2026, 2, 3),
                "postproduction_period": JAN,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Flat fee", "quantity": 1, "price_unit": 100.0, "tax_ids": []}
                    )
                ],
            }
        )
        cls.user_accountant = new_test_user(
            cls.env, "pp_add_accountant", groups="base.group_user,account.group_account_invoice"
        )

    @classmethod
    def _validated_timesheet(cls, day, hours):
        timesheet = cls.create_timesheet(day, hours=hours)
        timesheet.action_validate()
        return timesheet

    def open_wizard(self, user=None, invoice=None):
        """The wizard as the invoice's "Add lines from an order" button opens it."""
        model = self.env[WIZARD].with_user(user or self.user_accountant)
        return Form(model.with_context(default_move_id=(invoice or self.invoice).id))

    def proposed(self, form):
        """{order line: (left to invoice, quantity to add)} as the wizard lists them."""
        return {
            line.sale_line_id: (line.remaining_quantity, line.quantity)
            for line in form.save().line_ids
        }

    def offered_orders(self, wizard):
        """The orders the wizard's order field lets its user pick."""
        domain = safe_eval(
            wizard._fields["order_id"].domain,
            {"partner_id": wizard.partner_id.id, "company_id": wizard.company_id.id},
        )
        return self.env["sale.order"].with_user(wizard.env.user).search(domain)

    def index_of(self, form, order_line):
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                if line.sale_line_id == order_line:
                    return index
        raise AssertionError(f"{order_line.name} is not proposed")

    def add(self, quantities=None, user=None, invoice=None):
        """Open the wizard on SO_A, set ``quantities`` ({order line: quantity}), confirm."""
        form = self.open_wizard(user, invoice)
        form.order_id = self.order
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                if line.sale_line_id in (quantities or {}):
                    line.quantity = quantities[line.sale_line_id]
        wizard = form.save()
        wizard.action_add_lines()
        return wizard

    def invoice_line(self, order_line):
        return self.invoice.invoice_line_ids.filtered(lambda line: line.sale_line_ids == order_line)

    def added_lines(self):
        return self.invoice.invoice_line_ids.filtered("sale_line_ids")


class TestAddLinesQuantities(AddLinesCase):
    def test_ordered_and_month_delivered_quantities_are_proposed(self):
        form = self.open_wizard()
        self.assertEqual(form.move_id, self.invoice)
        form.order_id = self.order
        # The section and the note are not proposed; the days are January's only.
        self.assertEqual(
            self.proposed(form), {self.setup_line: (2.0, 2.0), self.day_line: (2.5, 2.5)}
        )

    def test_without_billed_month_every_delivered_day_is_proposed(self):
        self.invoice.postproduction_period = False
        form = self.open_wizard()
        form.order_id = self.order
        self.assertEqual(
            self.proposed(form), {self.setup_line: (2.0, 2.0), self.day_line: (3.5, 3.5)}
        )

    def test_added_lines_carry_order_values_and_links(self):
        self.add()
        setup = self.invoice_line(self.setup_line)
        days = self.invoice_line(self.day_line)
        self.assertRecordValues(
            setup | days,
            [
                {"quantity": 2.0, "price_unit": 750.0, "price_subtotal": 1500.0},
                {"quantity": 2.5, "price_unit": 500.0, "price_subtotal": 1250.0},
            ],
        )
        self.assertEqual(days.product_uom_id, self.uom_day)
        self.assertEqual((setup | days).tax_ids, self.tax)
        self.assertEqual(setup.account_id, self.setup_product._get_product_accounts()["income"])
        self.assertIn(self.day_line.name, days.name)
        analytic = str(self.project.account_id.id)
        self.assertEqual(days.analytic_distribution, {analytic: 100.0})
        self.assertAlmostEqual(self.invoice.amount_untaxed, 2850.0)
        self.assertAlmostEqual(self.invoice.amount_tax, 550.0)
        self.assertAlmostEqual(self.invoice.amount_total, 3400.0)

    def test_order_and_customer_reference_name_the_added_lines(self):
        flat_fee = self.invoice.invoice_line_ids
        self.add()
        lines = self.invoice.invoice_line_ids.sorted()
        self.assertEqual(lines[0], flat_fee)
        self.assertEqual(lines[1].display_type, "line_section")
        self.assertEqual(lines[1].name, f"Order {self.order.name}, your reference PO-4512")
        self.assertEqual(lines[2:].sale_line_ids, self.setup_line | self.day_line)
        self.assertEqual(self.invoice.invoice_origin, self.order.name)
        self.assertEqual(self.invoice.ref, "PO-4512")

    def test_order_lines_are_invoiced_for_what_was_added(self):
        self.add()
        self.assertRecordValues(
            self.setup_line | self.day_line,
            [
                {"qty_invoiced": 2.0, "qty_to_invoice": 0.0},
                # February's day is left for February's invoice.
                {"qty_invoiced": 2.5, "qty_to_invoice": 1.0},
            ],
        )

    def test_month_timesheets_are_linked_to_the_invoice(self):
        self.add()
        self.assertEqual(self.invoice.timesheet_ids, self.january)
        self.assertFalse(self.february.timesheet_invoice_id)
        self.assertFalse(self.submitted.timesheet_invoice_id)
        statement = self.invoice._postproduction_activity_statement()
        self.assertEqual(len(statement), 1)
        self.assertAlmostEqual(statement[0]["quantity"], 2.5)
        self.assertAlmostEqual(statement[0]["amount"], 1250.0)

    def test_without_billed_month_every_validated_timesheet_is_linked(self):
        self.invoice.postproduction_period = False
        self.add()
        self.assertEqual(self.invoice.timesheet_ids, self.january | self.february)
        self.assertAlmostEqual(self.day_line.qty_invoiced, 3.5)

    def test_timesheets_billed_elsewhere_stay_with_their_invoice(self):
        other = self.invoice.copy({"postproduction_period": JAN})
        self.add(invoice=other)
        before = self.invoice.invoice_line_ids
        form = self.open_wizard()
        form.order_id = self.order
        self.assertFalse(form.line_ids)
        self.assertEqual(self.invoice.invoice_line_ids, before)
        self.assertEqual(other.timesheet_ids, self.january)

    def test_late_timesheets_of_lines_already_on_the_invoice_stay_to_invoice(self):
        form = self.open_wizard()
        form.order_id = self.order
        form.line_ids.remove(self.index_of(form, self.setup_line))
        form.save().action_add_lines()
        late = self._validated_timesheet(date(2026, 1, 9), 8.0)
        form = self.open_wizard()
        form.order_id = self.order
        self.assertEqual(
            self.proposed(form), {self.setup_line: (2.0, 2.0), self.day_line: (1.0, 1.0)}
        )
        form.line_ids.remove(self.index_of(form, self.day_line))
        form.save().action_add_lines()
        self.assertEqual(self.invoice.timesheet_ids, self.january)
        self.assertFalse(late.timesheet_invoice_id)
        self.assertAlmostEqual(self.day_line.qty_to_invoice, 2.0)

    def test_a_smaller_quantity_leaves_the_rest_to_invoice(self):
        self.add({self.setup_line: 1.5})
        self.assertAlmostEqual(self.setup_line.qty_invoiced, 1.5)
        self.assertAlmostEqual(self.setup_line.qty_to_invoice, 0.5)
        form = self.open_wizard()
        form.order_id = self.order
        self.assertEqual(self.proposed(form), {self.setup_line: (0.5, 0.5)})

    def test_removed_lines_are_not_added(self):
        form = self.open_wizard()
        form.order_id = self.order
        form.line_ids.remove(self.index_of(form, self.day_line))
        form.save().action_add_lines()
        self.assertEqual(self.added_lines().sale_line_ids, self.setup_line)
        self.assertFalse(self.invoice.timesheet_ids)

    def test_second_use_is_refused_when_all_is_invoiced(self):
        self.add()
        count = len(self.invoice.invoice_line_ids)
        form = self.open_wizard()
        form.order_id = self.order
        self.assertFalse(form.line_ids)
        with self.assertRaisesRegex(UserError, "nothing left to invoice"):
            form.save().action_add_lines()
        self.assertEqual(len(self.invoice.invoice_line_ids), count)

    def test_lines_of_a_second_order_get_their_own_section(self):
        self.add()
        order_b = self.create_order(
            self.acme,
            order_line=[
                Command.create(
                    {"product_id": self.setup_product.id, "product_uom_qty": 1, "price_unit": 300.0}
                )
            ],
        )
        form = self.open_wizard()
        form.order_id = order_b
        form.save().action_add_lines()
        section = self.invoice.invoice_line_ids.sorted()[-2]
        self.assertEqual(section.name, f"Order {order_b.name}")
        self.assertEqual(self.invoice.invoice_origin, f"{self.order.name}, {order_b.name}")
        self.assertEqual(self.invoice.ref, "PO-4512")
        self.assertAlmostEqual(self.invoice.amount_untaxed, 3150.0)


class TestAddLinesRefusals(AddLinesCase):
    def assert_unchanged(self, lines):
        self.assertEqual(self.invoice.invoice_line_ids, lines)
        self.assertFalse(self.invoice.timesheet_ids)
        self.assertFalse(self.setup_line.qty_invoiced)
        self.assertFalse(self.day_line.qty_invoiced)

    def test_a_schedule_order_is_refused(self):
        lines = self.invoice.invoice_line_ids
        self.order.postproduction_mode = "schedule"
        with self.assertRaises(UserError) as refused:
            self.add()
        self.assertIn("invoiced from its schedule", str(refused.exception))
        self.assert_unchanged(lines)

    def test_an_order_a_run_is_invoicing_is_refused(self):
        lines = self.invoice.invoice_line_ids
        with self.registry.cursor() as other:  # a run in another transaction holds the order
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", (ORDER_LOCK_NAMESPACE, self.order.id)
            )
            with self.assertRaises(UserError) as refused:
                self.add()
            other.rollback()
        self.assertIn("being invoiced by a generation run", str(refused.exception))
        self.assert_unchanged(lines)

    def test_quantity_above_what_remains_is_refused(self):
        lines = self.invoice.invoice_line_ids
        with self.assertRaisesRegex(UserError, "Only 2.00 Units of Website set-up remain"):
            self.add({self.setup_line: 3.0})
        self.assert_unchanged(lines)

    def test_days_of_another_month_cannot_be_added(self):
        lines = self.invoice.invoice_line_ids
        with self.assertRaisesRegex(UserError, "Only 2.50 Days"):
            self.add({self.day_line: 3.5})
        self.assert_unchanged(lines)

    def test_zero_or_negative_quantity_is_refused(self):
        lines = self.invoice.invoice_line_ids
        for quantity in (0.0, -1.0):
            with self.assertRaisesRegex(UserError, "must be positive"):
                self.add({self.day_line: quantity})
        self.assert_unchanged(lines)

    def test_order_of_another_customer_is_refused(self):
        globex_order = self.create_order(
            self.globex,
            order_line=[
                Command.create(
                    {"product_id": self.setup_product.id, "product_uom_qty": 1, "price_unit": 300.0}
                )
            ],
        )
        wizard = (
            self.env[WIZARD].with_user(self.user_accountant).create({"move_id": self.invoice.id})
        )
        self.assertIn(self.order, self.offered_orders(wizard))
        self.assertNotIn(globex_order, self.offered_orders(wizard))
        lines = self.invoice.invoice_line_ids
        wizard.order_id = globex_order
        self.assertTrue(wizard.line_ids)
        with self.assertRaisesRegex(UserError, "Choose an order of the invoice's customer"):
            wizard.action_add_lines()
        self.assertEqual(self.invoice.invoice_line_ids, lines)
        self.assertFalse(globex_order.order_line.qty_invoiced)

    def test_quotations_are_not_offered(self):
        quotation = self.create_order(self.acme, confirm=False)
        wizard = self.env[WIZARD].create({"move_id": self.invoice.id})
        self.assertNotIn(quotation, self.offered_orders(wizard))

    def test_posted_invoice_is_refused(self):
        self.invoice.action_post()
        lines = self.invoice.invoice_line_ids
        wizard = (
            self.env[WIZARD]
            .with_user(self.user_accountant)
            .create({"move_id": self.invoice.id, "order_id": self.order.id})
        )
        with self.assertRaisesRegex(UserError, "only be added to a draft customer invoice"):
            wizard.action_add_lines()
        self.assert_unchanged(lines)

    def test_credit_note_is_refused(self):
        refund = self.invoice.copy({"move_type": "out_refund"})
        wizard = self.env[WIZARD].create({"move_id": refund.id, "order_id": self.order.id})
        with self.assertRaisesRegex(UserError, "only be added to a draft customer invoice"):
            wizard.action_add_lines()
        self.assertFalse(refund.invoice_line_ids.sale_line_ids)

    def test_order_in_another_currency_is_refused(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        if eur == self.company.currency_id:
            eur = self.env.ref("base.USD")
            eur.active = True
        pricelist = self.env["product.pricelist"].create({"name": "Foreign", "currency_id": eur.id})
        foreign = self.create_order(
            self.acme,
            pricelist_id=pricelist.id,
            order_line=[
                Command.create(
                    {"product_id": self.setup_product.id, "product_uom_qty": 1, "price_unit": 300.0}
                )
            ],
        )
        lines = self.invoice.invoice_line_ids
        wizard = self.env[WIZARD].create({"move_id": self.invoice.id, "order_id": foreign.id})
        with self.assertRaisesRegex(UserError, f"is in {eur.name}"):
            wizard.action_add_lines()
        self.assertEqual(self.invoice.invoice_line_ids, lines)


class TestAddLinesAccess(AddLinesCase):
    def test_billing_user_adds_lines(self):
        self.add(user=self.user_accountant)
        self.assertEqual(self.added_lines().sale_line_ids, self.setup_line | self.day_line)
        self.assertEqual(self.invoice.timesheet_ids, self.january)

    def test_plain_employee_cannot_use_the_wizard(self):
        model = self.env[WIZARD].with_user(self.user_employee)
        self.assertFalse(model.has_access("create"))
        with self.assertRaises(AccessError):
            model.create({"move_id": self.invoice.id, "order_id": self.order.id})
        wizard = self.env[WIZARD].create({"move_id": self.invoice.id, "order_id": self.order.id})
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_employee).action_add_lines()
        self.assertFalse(self.added_lines())

    def test_button_is_for_billing_users_on_draft_customer_invoices(self):
        salesman = new_test_user(
            self.env, "pp_add_salesman", groups="base.group_user,sales_team.group_sale_salesman"
        )
        action = self.env.ref("postproduction.action_postproduction_invoice_add_lines_wizard")
        form_view = self.env.ref("account.view_move_form").id

        def buttons(user):
            arch = self.env["account.move"].with_user(user).get_view(form_view)["arch"]
            return etree.fromstring(arch).xpath(f"//header/button[@name='{action.id}']")

        [button] = buttons(self.user_accountant)
        self.assertEqual(button.get("invisible"), "move_type != 'out_invoice' or state != 'draft'")
        self.assertFalse(buttons(salesman))
        self.assertFalse(self.env[WIZARD].with_user(salesman).has_access("create"))

    def test_user_of_another_company_cannot_pick_the_order(self):
        _other, user = self.create_other_company_user(
            "pp_add_other", "account.group_account_invoice"
        )
        wizard = self.env[WIZARD].with_user(user).create({"move_id": self.invoice.id})
        self.assertFalse(self.offered_orders(wizard))
        with self.assertRaises(AccessError):
            self.order.with_user(user).check_access("read")
        lines = self.invoice.invoice_line_ids
        with self.assertRaises(AccessError):
            self.env[WIZARD].with_user(user).create(
                {"move_id": self.invoice.id, "order_id": self.order.id}
            ).action_add_lines()
        self.assertEqual(self.invoice.invoice_line_ids, lines)
        self.assertFalse(self.setup_line.qty_invoiced)


class TestAddLinesFromCode(AddLinesCase):
    """``account.move._postproduction_add_order_lines``: the rules without the wizard, as
    a script or a server action calls them."""

    def test_everything_left_is_added_without_quantities(self):
        added = self.invoice.with_user(self.user_accountant)._postproduction_add_order_lines(
            self.order
        )
        self.assertEqual(added.filtered("sale_line_ids"), self.added_lines())
        self.assertEqual(added.mapped("display_type"), ["line_section", "product", "product"])
        self.assertAlmostEqual(self.invoice.amount_untaxed, 2850.0)
        self.assertEqual(self.invoice.timesheet_ids, self.january)

    def test_given_quantities_add_up_and_the_rest_stays_to_invoice(self):
        self.invoice._postproduction_add_order_lines(
            self.order, [(self.day_line, 1.0), (self.day_line, 0.5)]
        )
        self.assertEqual(self.invoice_line(self.day_line).quantity, 1.5)
        self.assertFalse(self.invoice_line(self.setup_line))
        self.assertEqual(self.setup_line.qty_to_invoice, 2.0)

    def test_bad_quantities_are_refused_and_nothing_is_added(self):
        lines = self.invoice.invoice_line_ids
        for quantities, message in (
            ({self.day_line: 3.0}, "remain to invoice"),
            ({self.day_line: 0.0}, "must be positive"),
            ({}, "Keep at least one line"),
        ):
            with self.subTest(message), self.assertRaisesRegex(UserError, message):
                self.invoice._postproduction_add_order_lines(self.order, quantities)
        self.assertEqual(self.invoice.invoice_line_ids, lines)

    def test_a_line_of_another_order_is_refused(self):
        other = self.order.copy()
        other.action_confirm()
        with self.assertRaisesRegex(UserError, "is not a line of order"):
            self.invoice._postproduction_add_order_lines(
                self.order, {other.order_line.filtered("product_id")[:1]: 1.0}
            )

    def test_a_user_without_invoicing_rights_is_refused_whatever_the_context(self):
        invoice = self.invoice.with_user(self.user_employee).with_context(
            default_move_type="out_invoice", active_test=False
        )
        with self.assertRaises(AccessError):
            invoice._postproduction_add_order_lines(self.order)
        self.assertFalse(self.added_lines())
