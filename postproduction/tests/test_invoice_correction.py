from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user

from .common import PostproductionCase

OCT = date(2026, 10, 1)
WIZARD = "postproduction.invoice.correction.wizard"


class CorrectionCase(PostproductionCase):
    """Alice works on Website for order SO_A, invoiced by the hour (100 an hour) in
    October 2026; the month is generated and posted: 8 hours, 800.00 untaxed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.postproduction_taxes_required = False
        cls.hour_line = cls.env["sale.order.line"].create(
            {
                "order_id": cls.order.id,
                "product_id": cls.day_product.id,
                "product_uom": cls.uom_hour.id,
                "product_uom_qty": 8.0,
                "price_unit": 100.0,
                "tax_id": [Command.clear()],
            }
        )
        cls.delivery = cls.create_delivery(rate=100.0, orders=cls.order)
        cls.user_billing = new_test_user(
            cls.env,
            "pp_billing",
            groups="base.group_user,account.group_account_invoice",
        )

    def log(self, *hours_by_day):
        """Validated timesheets of Alice in October: (day, hours) pairs."""
        timesheets = self.env["account.analytic.line"]
        for day, hours in hours_by_day:
            timesheets |= self.create_timesheet(date(2026, 10, day), hours)
        timesheets.sudo().action_validate()
        return timesheets

    def generate(self):
        run = self.env["postproduction.invoice.run"].generate(
            OCT, invoice_date=date(2026, 11, 3), domain=[("order_id", "=", self.order.id)]
        )
        return run.move_ids

    def invoice_october(self):
        invoice = self.generate()
        self.assertEqual(len(invoice), 1)
        invoice.action_post()
        return invoice

    def correct(self, invoice, corrected=None, action="return", timesheets=None, user=None):
        """Fill the corrective invoice as a user would; returns the credit note."""
        env = self.env(user=user) if user else self.env
        wizard = Form(env[WIZARD].with_context(default_move_id=invoice.id))
        wizard.reason = "Two hours were an internal training"
        with wizard.line_ids.edit(0) as line:
            if timesheets is not None:
                line.timesheet_ids.clear()
                for timesheet in timesheets:
                    line.timesheet_ids.add(timesheet)
            if corrected is not None:
                line.corrected_quantity = corrected
            line.action = action
        action_values = wizard.save().action_confirm()
        return self.env["account.move"].browse(action_values["res_id"])

    def row(self):
        self.env.invalidate_all()
        return self.env["postproduction.turnover"].search(
            [("period", "=", OCT), ("order_id", "=", self.order.id)]
        )

    def billed_hours(self, invoice):
        return sum(invoice.sudo().timesheet_ids.mapped("unit_amount"))

    def free_timesheets(self):
        return self.env["account.analytic.line"].search(
            [("so_line", "=", self.hour_line.id), ("timesheet_invoice_id", "=", False)]
        )


class TestCorrectiveInvoice(CorrectionCase):
    def test_eight_hours_corrected_to_six_end_to_end(self):
        self.assertEqual(self.delivery.sale_line_id, self.hour_line)
        self.log((5, 2.0), (6, 2.0), (7, 2.0), (8, 2.0))
        invoice = self.invoice_october()
        self.assertAlmostEqual(invoice.amount_untaxed, 800.0)
        self.assertEqual(self.row().status, "invoiced")

        refund = self.correct(invoice, corrected=6.0)

        self.assertEqual((refund.move_type, refund.state), ("out_refund", "posted"))
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertEqual(refund.postproduction_period, OCT)
        self.assertAlmostEqual(refund.amount_untaxed, 200.0)
        self.assertEqual(refund.invoice_line_ids.mapped("quantity"), [2.0])
        self.assertEqual(refund.invoice_line_ids.sale_line_ids, self.hour_line)
        self.assertFalse(refund.invoice_line_ids.postproduction_write_off)
        self.assertIn("internal training", refund.ref)
        self.assertEqual(invoice.amount_residual, 600.0, "the credit note settles 200 of it")
        self.assertTrue(
            invoice.message_ids.filtered(lambda m: refund.name in (m.body or "")),
            "the correction is logged on the invoice",
        )
        # The order line: 6 invoiced, 2 to invoice.
        self.assertAlmostEqual(self.hour_line.qty_delivered, 8.0)
        self.assertAlmostEqual(self.hour_line.qty_invoiced, 6.0)
        self.assertAlmostEqual(self.hour_line.qty_to_invoice, 2.0)
        self.assertEqual(self.hour_line.invoice_status, "to invoice")
        # The latest timesheet goes back; the invoice still bills the other six hours.
        self.assertEqual(self.free_timesheets().mapped("date"), [date(2026, 10, 8)])
        self.assertAlmostEqual(self.billed_hours(invoice), 6.0)
        self.assertEqual(self.free_timesheets().postproduction_credit_move_id, refund)
        # The dashboard shows the two hours to invoice again in October.
        row = self.row()
        self.assertAlmostEqual(row.production_turnover, 800.0)
        self.assertAlmostEqual(row.invoiced_turnover, 600.0)
        self.assertAlmostEqual(row.delta, 200.0)
        self.assertEqual(row.status, "to_invoice")

        second = self.generate()

        self.assertEqual(len(second), 1)
        self.assertEqual(second.invoice_line_ids.mapped("quantity"), [2.0])
        self.assertAlmostEqual(second.amount_untaxed, 200.0)
        self.assertEqual(second.postproduction_period, OCT)
        self.assertAlmostEqual(self.billed_hours(second), 2.0)
        self.assertFalse(self.free_timesheets())
        self.assertAlmostEqual(self.hour_line.qty_invoiced, 8.0)
        self.assertAlmostEqual(self.hour_line.qty_to_invoice, 0.0)
        row = self.row()
        self.assertAlmostEqual(row.invoiced_turnover, 800.0)
        self.assertAlmostEqual(row.delta, 0.0)
        self.assertEqual(row.status, "invoiced")

    def test_part_of_a_timesheet_is_split_off(self):
        (timesheet,) = self.log((5, 8.0))
        invoice = self.invoice_october()

        self.correct(invoice, corrected=6.0)

        timesheets = self.env["account.analytic.line"].search([("so_line", "=", self.hour_line.id)])
        self.assertEqual(len(timesheets), 2)
        self.assertAlmostEqual(sum(timesheets.mapped("unit_amount")), 8.0, msg="no hour lost")
        self.assertAlmostEqual(timesheet.unit_amount, 6.0)
        self.assertEqual(timesheet.timesheet_invoice_id, invoice)
        split = timesheets - timesheet
        self.assertAlmostEqual(split.unit_amount, 2.0)
        self.assertFalse(split.timesheet_invoice_id)
        self.assertEqual(
            (split.date, split.employee_id, split.approval_state),
            (timesheet.date, timesheet.employee_id, "validated"),
        )
        second = self.generate()
        self.assertEqual(second.invoice_line_ids.mapped("quantity"), [2.0])
        self.assertEqual(second.sudo().timesheet_ids, split)

    def test_chosen_timesheets_return_and_the_others_stay_billed(self):
        first, second_day, third, fourth = self.log((5, 2.0), (6, 3.0), (7, 1.0), (8, 2.0))
        invoice = self.invoice_october()
        wizard = Form(self.env[WIZARD].with_context(default_move_id=invoice.id))
        wizard.reason = "Wrong days"
        with wizard.line_ids.edit(0) as line:
            self.assertEqual(line.quantity, 8.0)
            self.assertEqual(line.corrected_quantity, 0.0, "0 by default")
            line.timesheet_ids.add(first)
            line.timesheet_ids.add(third)
            self.assertAlmostEqual(line.corrected_quantity, 5.0, msg="follows the timesheets")
            self.assertAlmostEqual(line.credited_quantity, 3.0)
        refund = self.env["account.move"].browse(wizard.save().action_confirm()["res_id"])

        self.assertAlmostEqual(refund.amount_untaxed, 300.0)
        self.assertEqual(self.free_timesheets(), first | third)
        self.assertEqual((second_day | fourth).timesheet_invoice_id, invoice)
        self.assertAlmostEqual(self.hour_line.qty_to_invoice, 3.0)
        rebill = self.generate()
        self.assertEqual(rebill.sudo().timesheet_ids, first | third)
        self.assertAlmostEqual(rebill.amount_untaxed, 300.0)

    def test_write_off_is_never_invoiced_again(self):
        self.log((5, 2.0), (6, 2.0), (7, 2.0), (8, 2.0))
        invoice = self.invoice_october()

        refund = self.correct(invoice, corrected=6.0, action="write_off")

        self.assertTrue(refund.invoice_line_ids.postproduction_write_off)
        self.assertAlmostEqual(refund.amount_untaxed, 200.0)
        self.assertAlmostEqual(self.hour_line.qty_invoiced, 6.0)
        self.assertAlmostEqual(self.hour_line.postproduction_qty_written_off, 2.0)
        self.assertAlmostEqual(self.hour_line.postproduction_amount_written_off, 200.0)
        self.assertAlmostEqual(self.hour_line.qty_to_invoice, 0.0)
        self.assertAlmostEqual(self.hour_line.untaxed_amount_to_invoice, 0.0)
        self.assertNotEqual(self.hour_line.invoice_status, "to invoice")
        written_off = self.env["account.analytic.line"].search(
            [("so_line", "=", self.hour_line.id), ("postproduction_written_off", "=", True)]
        )
        self.assertEqual(written_off.mapped("date"), [date(2026, 10, 8)])
        self.assertEqual(written_off.timesheet_invoice_id, invoice, "billed, then written off")
        self.assertFalse(self.free_timesheets())
        row = self.row()
        self.assertAlmostEqual(row.invoiced_turnover, 600.0)
        self.assertAlmostEqual(row.written_off_turnover, 200.0)
        self.assertAlmostEqual(row.delta, 0.0)
        self.assertEqual(row.status, "invoiced")
        self.assertFalse(self.generate(), "nothing left to invoice in October")

    def test_zero_everywhere_cancels_it_all(self):
        self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()

        refund = self.correct(invoice)

        self.assertAlmostEqual(refund.amount_total, invoice.amount_total)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertAlmostEqual(self.hour_line.qty_invoiced, 0.0)
        self.assertAlmostEqual(self.hour_line.qty_to_invoice, 8.0)
        self.assertAlmostEqual(sum(self.free_timesheets().mapped("unit_amount")), 8.0)
        self.assertAlmostEqual(self.row().delta, 800.0)
        self.assertAlmostEqual(self.generate().amount_untaxed, 800.0)

    def billed_net(self):
        """What non-cancelled invoices bill on the hour line, net of credit notes."""
        lines = self.hour_line.invoice_lines.filtered(lambda aml: aml.move_id.state != "cancel")
        return sum(
            line.quantity * (-1 if line.move_id.move_type == "out_refund" else 1) for line in lines
        )

    def test_a_credit_note_on_a_line_in_units_credits_its_timesheets_as_they_are(self):
        # Odoo keeps timesheet hours as they are on a line of another unit category
        unit = self.env.ref("uom.product_uom_unit")
        units_product = self.env["product.product"].create(
            {
                "name": "Workshop",
                "type": "service",
                "service_type": "timesheet",
                "invoice_policy": "delivery",
                "uom_id": unit.id,
                "uom_po_id": unit.id,
            }
        )
        units_line = self.env["sale.order.line"].create(
            {
                "order_id": self.order.id,
                "product_id": units_product.id,
                "product_uom": unit.id,
                "product_uom_qty": 10.0,
                "price_unit": 10.0,
                "tax_id": [Command.clear()],
            }
        )
        timesheet = self.create_timesheet(date(2026, 10, 7), 3.0)
        timesheet.so_line = units_line
        timesheet.sudo().action_validate()
        invoice = self.order._create_invoices()
        invoice.invoice_line_ids.filtered(lambda aml: aml.sale_line_ids != units_line).unlink()
        invoice.action_post()
        refund = invoice._reverse_moves([{"invoice_date": date(2026, 11, 10)}])
        refund.invoice_line_ids.quantity = 1.0
        refund.action_post()
        self.assertEqual(refund.state, "posted")
        self.assertAlmostEqual(units_line.qty_invoiced, 2.0)

    def test_a_second_correction_offers_only_what_remains(self):
        self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()
        self.correct(invoice, corrected=6.0)
        wizard = Form(self.env[WIZARD].with_context(default_move_id=invoice.id))
        with wizard.line_ids.edit(0) as line:
            self.assertAlmostEqual(line.quantity, 6.0)
        self.correct(invoice)
        self.assertAlmostEqual(self.billed_net(), 0.0)
        third = Form(self.env[WIZARD].with_context(default_move_id=invoice.id))
        third.reason = "Once more"
        self.assertEqual(len(third.line_ids), 0)
        with self.assertRaises(UserError) as refused:
            third.save().action_confirm()
        self.assertIn("credited in full already", str(refused.exception))
        self.assertAlmostEqual(self.billed_net(), 0.0, msg="never more credited than invoiced")

    def test_a_reversal_after_a_partial_correction_cannot_credit_more(self):
        self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()
        self.correct(invoice, corrected=6.0)
        reversal = invoice._reverse_moves([{"invoice_date": date(2026, 11, 11)}])
        with self.assertRaises(UserError) as refused:
            reversal.action_post()
        self.assertIn("would credit more than", str(refused.exception))

    def test_odoo_s_reverse_twice_never_credits_more_than_the_invoice(self):
        self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()
        first = invoice._reverse_moves([{"invoice_date": date(2026, 11, 10)}])
        first.action_post()
        with self.assertRaises(UserError) as refused:
            invoice._reverse_moves([{"invoice_date": date(2026, 11, 11)}])
        self.assertIn("credited in full already", str(refused.exception))
        self.assertAlmostEqual(self.billed_net(), 0.0)
        self.assertAlmostEqual(sum(self.free_timesheets().mapped("unit_amount")), 8.0)
        self.assertAlmostEqual(self.generate().amount_untaxed, 800.0)

    def test_credit_note_reset_to_draft_bills_its_timesheets_again(self):
        self.log((5, 2.0), (6, 2.0))
        invoice = self.invoice_october()
        refund = self.correct(invoice, corrected=2.0)
        self.assertAlmostEqual(self.billed_hours(invoice), 2.0)

        refund.button_draft()

        self.assertAlmostEqual(self.billed_hours(invoice), 4.0)
        self.assertFalse(self.free_timesheets())
        refund.action_post()
        self.assertAlmostEqual(self.billed_hours(invoice), 2.0)
        self.generate()
        with self.assertRaises(UserError):
            refund.button_draft()
        self.assertEqual(refund.state, "posted")


class TestOdooCreditNoteTrap(CorrectionCase):
    """Odoo's own credit note frees every timesheet of the credited invoice, whatever the
    quantity it credits: the next invoice would bill the uncredited hours twice."""

    def odoo_credit_note(self, invoice, quantity):
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Odoo's own credit note", "journal_id": invoice.journal_id.id})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        with Form(refund) as form, form.invoice_line_ids.edit(0) as line:
            line.quantity = quantity
        refund.action_post()
        return refund

    def test_partial_credit_note_frees_only_what_it_credits(self):
        self.log((5, 2.0), (6, 2.0), (7, 2.0), (8, 2.0))
        invoice = self.invoice_october()

        self.odoo_credit_note(invoice, 2.0)

        self.assertAlmostEqual(self.billed_hours(invoice), 6.0)
        self.assertAlmostEqual(sum(self.free_timesheets().mapped("unit_amount")), 2.0)
        second = self.generate()
        self.assertEqual(second.invoice_line_ids.mapped("quantity"), [2.0], "not 8: no double")
        self.assertAlmostEqual(self.hour_line.qty_invoiced, 8.0, msg="no hour lost")
        self.assertAlmostEqual(self.row().delta, 0.0)

    def test_full_credit_note_frees_every_timesheet(self):
        self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()

        self.odoo_credit_note(invoice, 8.0)

        self.assertAlmostEqual(sum(self.free_timesheets().mapped("unit_amount")), 8.0)
        self.assertEqual(self.generate().invoice_line_ids.mapped("quantity"), [8.0])


class TestCorrectionRefusals(CorrectionCase):
    def count_moves(self):
        return self.env["account.move"].search_count([])

    def test_quantity_above_the_invoiced_one_is_refused(self):
        self.log((5, 8.0))
        invoice = self.invoice_october()
        moves = self.count_moves()
        with self.assertRaisesRegex(UserError, "between 0 and the invoiced quantity"):
            self.correct(invoice, corrected=9.0)
        self.assertEqual(self.count_moves(), moves, "no credit note, not even a draft")
        self.assertEqual(self.billed_hours(invoice), 8.0)

    def test_nothing_to_correct_is_refused(self):
        self.log((5, 8.0))
        invoice = self.invoice_october()
        moves = self.count_moves()
        with self.assertRaisesRegex(UserError, "Nothing to correct"):
            self.correct(invoice, corrected=8.0)
        self.assertEqual(self.count_moves(), moves, "no credit note, not even a draft")

    def test_picked_timesheets_must_match_the_credited_quantity(self):
        first, _second = self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()
        moves = self.count_moves()
        with self.assertRaisesRegex(UserError, "must equal the timesheets picked"):
            self.correct(invoice, corrected=2.0, timesheets=first)
        self.assertEqual(self.count_moves(), moves, "no credit note, not even a draft")
        self.assertFalse(self.free_timesheets())

    def test_draft_invoice_cannot_be_corrected(self):
        self.log((5, 8.0))
        proforma = self.generate()
        with self.assertRaisesRegex(UserError, "Only a posted customer invoice"):
            proforma.action_postproduction_correct()
        with self.assertRaisesRegex(UserError, "Only a posted customer invoice"):
            self.correct(proforma, corrected=6.0)


class TestCorrectionAccess(CorrectionCase):
    def test_billing_user_corrects(self):
        self.log((5, 8.0))
        invoice = self.invoice_october()
        refund = self.correct(invoice, corrected=6.0, user=self.user_billing)
        self.assertAlmostEqual(refund.amount_untaxed, 200.0)
        self.assertEqual(refund.create_uid, self.user_billing)

    def test_plain_employee_is_refused(self):
        self.log((5, 8.0))
        invoice = self.invoice_october()
        with self.assertRaises(AccessError):
            self.env[WIZARD].with_user(self.user_employee).create(
                {"move_id": invoice.id, "reason": "No"}
            )
        self.assertEqual(self.billed_hours(invoice), 8.0)

    def test_other_company_cannot_correct_our_invoice(self):
        self.log((5, 8.0))
        invoice = self.invoice_october()
        _other, stranger = self.create_other_company_user(
            "pp_stranger", "account.group_account_invoice"
        )
        with self.assertRaises(AccessError):
            self.env[WIZARD].with_user(stranger).create(
                {"move_id": invoice.id, "reason": "No"}
            ).action_confirm()
        self.assertEqual(self.billed_hours(invoice), 8.0)


class TestCorrectionOfInstalments(CorrectionCase):
    """A schedule order of Acme: an instalment of 4,000 in October."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fixed_price = cls.env["product.product"].create(
            {"name": "Website, fixed price", "type": "service", "invoice_policy": "order"}
        )
        cls.order = cls.create_order(
            cls.acme,
            postproduction_mode="schedule",
            project_id=cls.project.id,
            order_line=[
                Command.create(
                    {
                        "product_id": fixed_price.id,
                        "price_unit": 10000.0,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        )
        cls.instalment = cls.env["postproduction.schedule"].create(
            {"order_id": cls.order.id, "date": date(2026, 10, 31), "name": "1/2", "amount": 4000}
        )

    def test_instalment_returns_whole(self):
        invoice = self.invoice_october()
        self.assertAlmostEqual(invoice.amount_untaxed, 4000.0)
        self.assertEqual((self.instalment.state, self.instalment.move_id), ("invoiced", invoice))

        self.correct(invoice)

        self.assertEqual(self.instalment.state, "to_invoice")
        self.assertFalse(self.instalment.move_id)
        again = self.generate()
        self.assertAlmostEqual(again.amount_untaxed, 4000.0)
        self.assertEqual(self.instalment.move_id, again)

    def test_resetting_the_credit_note_bills_the_instalment_on_the_invoice_again(self):
        invoice = self.invoice_october()
        refund = self.correct(invoice)
        self.assertEqual(self.instalment.credit_move_id, refund)
        refund.button_draft()
        self.assertEqual((self.instalment.state, self.instalment.move_id), ("invoiced", invoice))
        self.assertFalse(self.instalment.credit_move_id)
        self.assertFalse(self.generate(), "nothing billed twice")

    def test_the_credit_note_cannot_come_back_once_the_instalment_is_billed_again(self):
        invoice = self.invoice_october()
        refund = self.correct(invoice)
        again = self.generate()
        with self.assertRaises(UserError) as refused:
            refund.button_draft()
        self.assertIn(f"{again.display_name} bills it now", str(refused.exception))
        self.assertEqual(self.instalment.move_id, again)

    def test_part_of_an_instalment_cannot_return(self):
        invoice = self.invoice_october()
        quantity = invoice.invoice_line_ids.quantity
        with self.assertRaisesRegex(UserError, "return to invoice whole"):
            self.correct(invoice, corrected=quantity / 2)
        self.assertEqual(self.instalment.move_id, invoice)

    def test_part_of_an_instalment_can_be_written_off(self):
        invoice = self.invoice_october()
        quantity = invoice.invoice_line_ids.quantity
        refund = self.correct(invoice, corrected=quantity / 2, action="write_off")
        self.assertAlmostEqual(refund.amount_untaxed, 2000.0)
        self.assertEqual(self.instalment.move_id, invoice, "still invoiced")
        row = self.row()
        self.assertAlmostEqual(row.written_off_turnover, 2000.0)
        self.assertAlmostEqual(row.delta, 0.0)


class TestCorrectionFromCode(CorrectionCase):
    """``account.move._postproduction_correct``: the rules without the wizard, as a script
    or a server action calls them."""

    def test_a_script_corrects_eight_hours_to_six(self):
        self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()
        [line] = invoice.invoice_line_ids
        refund = invoice.with_user(self.user_billing)._postproduction_correct(
            {line: {"quantity": 6.0}}, "Two hours were an internal training", date(2026, 11, 10)
        )
        self.assertEqual((refund.move_type, refund.state), ("out_refund", "posted"))
        self.assertEqual(refund.invoice_date, date(2026, 11, 10))
        self.assertAlmostEqual(refund.amount_untaxed, 200.0)
        self.assertAlmostEqual(self.hour_line.qty_to_invoice, 2.0)
        self.assertAlmostEqual(self.billed_hours(invoice), 6.0)
        self.assertEqual(invoice._postproduction_correctable_quantities(), {line: 6.0})

    def test_chosen_timesheets_are_written_off(self):
        first, _second = self.log((5, 4.0), (6, 4.0))
        invoice = self.invoice_october()
        [line] = invoice.invoice_line_ids
        refund = invoice._postproduction_correct(
            {line: {"quantity": 4.0, "write_off": True, "timesheets": first}}, "Not chargeable"
        )
        self.assertTrue(refund.invoice_line_ids.postproduction_write_off)
        self.assertTrue(first.postproduction_written_off)
        self.assertAlmostEqual(self.hour_line.qty_to_invoice, 0.0)

    def test_a_line_of_another_invoice_is_refused_and_nothing_is_written(self):
        self.log((5, 8.0))
        invoice = self.invoice_october()
        other = invoice.copy()
        moves = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, "bills nothing that can be corrected"):
            invoice._postproduction_correct({other.invoice_line_ids: {"quantity": 0.0}}, "Wrong")
        with self.assertRaisesRegex(UserError, "between 0 and the invoiced quantity"):
            invoice._postproduction_correct({invoice.invoice_line_ids: {"quantity": -1.0}}, "No")
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(self.billed_hours(invoice), 8.0)

    def test_a_user_without_invoicing_rights_is_refused_whatever_the_context(self):
        self.log((5, 8.0))
        invoice = self.invoice_october()
        [line] = invoice.invoice_line_ids
        refunds = invoice.reversal_move_ids
        with self.assertRaises(AccessError):
            invoice.with_user(self.user_employee).with_context(
                default_move_type="out_refund"
            )._postproduction_correct({line: {"quantity": 0.0}}, "No rights")
        self.assertEqual(invoice.reversal_move_ids, refunds)
