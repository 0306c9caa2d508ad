"""The e-invoices of PostProduction's invoices, as a French company sends them.

Each document comes out of Odoo's own Send & Print (the PDF rendered by wkhtmltopdf,
Odoo embedding the Factur-X XML; the UBL file it attaches), is extracted by ``factur-x``
and validated by it against the Factur-X EN 16931 and UBL 2.1 schemas, then against the
EN 16931 business rules (CEN's schematron, run by Saxon in ``einvoice_validator``).
"""

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from unittest.mock import patch

import facturx
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import config

from .common import PostproductionCase

OCT = date(2026, 10, 1)
VALIDATOR = Path(__file__).with_name("einvoice_validator.py")
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


class EInvoiceCase(PostproductionCase):
    """A French company (VAT, SIRET, address) invoicing Acme, a French business with its
    SIREN and VAT number in Factur-X, and Brussels Data, a Belgian one on Peppol (UBL)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        france = cls.env.ref("base.fr")
        cls.company.write(
            {
                "country_id": france.id,
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "vat": "FR23334175221",
                "company_registry": "33417522100016",
                # what a company has until it chooses (the demo company opts in)
                "postproduction_vat_on_debits": False,
                "postproduction_einvoice_check": "flag",
            }
        )
        cls.acme.write(
            {
                "country_id": france.id,
                "street": "1 place de la Gare",
                "zip": "59000",
                "city": "Lille",
                "vat": "FR44732829320",
                "company_registry": "73282932000074",
                "invoice_edi_format": "facturx",
            }
        )
        cls.brussels = cls.env["res.partner"].create(
            {
                "name": "Brussels Data",
                "is_company": True,
                "country_id": cls.env.ref("base.be").id,
                "street": "Rue Royale 1",
                "zip": "1000",
                "city": "Bruxelles",
                "vat": "BE0477472701",
                "invoice_edi_format": "ubl_bis3",
            }
        )
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "TVA 20 %",
                "amount": 20.0,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.order.client_order_ref = "PO-ACME-42"

    # ------------------------------------------------------------------ helpers
    def october(self, order, employee=None, days=3, hours=8.0, line=None, rate=500.0):
        """Validated timesheets of ``employee`` (Alice) on ``order``'s delivery in October,
        on a project of the order's customer."""
        project = self.project
        if order.partner_id != self.acme:
            project = self.env["project.project"].create(
                {
                    "name": f"{order.partner_id.name} project",
                    "partner_id": order.partner_id.id,
                    "allow_timesheets": True,
                    "allow_billable": True,
                }
            )
        delivery = self.create_delivery(
            employee=employee, orders=order, rate=rate, project_id=project.id
        )
        if line is not None:
            self.assertEqual(delivery.sale_line_id, line)
        delivery.sale_line_id.tax_id = self.tax
        timesheets = self.env["account.analytic.line"]
        for day in range(5, 5 + days):
            timesheets |= self.create_timesheet(
                date(2026, 10, day), hours, employee=employee, project=project
            )
        timesheets.sudo().action_validate()
        self.env.flush_all()
        return delivery

    def generate(self, period=OCT, **kwargs):
        return self.env["postproduction.invoice.run"].generate(
            period, invoice_date=date(2026, 11, 3), **kwargs
        )

    def send(self, invoice):
        """Odoo's Send & Print of ``invoice`` (download), as outside tests: the PDF is
        rendered and the e-invoice embedded or attached by Odoo itself."""
        with patch.dict(config.options, {"test_enable": False}):
            invoice.env["account.move.send"]._generate_and_send_invoices(
                invoice, sending_methods=["manual"]
            )
        self.assertTrue(invoice.invoice_pdf_report_id, "Send & Print made the PDF")
        return invoice.invoice_pdf_report_id.raw

    def facturx_of(self, invoice):
        """The Factur-X XML embedded in ``invoice``'s PDF, checked as EN 16931."""
        filename, xml = facturx.get_facturx_xml_from_pdf(self.send(invoice), check_xsd=False)
        self.assertEqual(filename, "factur-x.xml")
        self.assertEqual(facturx.get_level(etree.fromstring(xml)), "en16931")
        self.assertTrue(facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931"))
        self.assert_business_rules("cii", xml)
        return etree.fromstring(xml)

    def ubl_of(self, invoice):
        """The UBL file Send & Print attaches to ``invoice``, schema- and rule-checked."""
        self.send(invoice)
        xml = invoice.ubl_cii_xml_id.raw
        self.assertTrue(xml, "Send & Print attached the UBL file")
        flavor = "ubl-2.1-creditnote" if invoice.move_type == "out_refund" else "ubl-2.1-invoice"
        self.assertTrue(facturx.xml_check_xsd(xml, flavor=flavor))
        self.assert_business_rules("ubl", xml)
        return etree.fromstring(xml)

    def ubl_export(self, invoice):
        """The Peppol UBL Odoo's builder makes of ``invoice`` (what Send & Print attaches
        for a customer in BIS Billing 3.0), schema- and rule-checked."""
        xml, errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(invoice)
        self.assertFalse(errors)
        flavor = "ubl-2.1-creditnote" if invoice.move_type == "out_refund" else "ubl-2.1-invoice"
        self.assertTrue(facturx.xml_check_xsd(xml, flavor=flavor))
        self.assert_business_rules("ubl", xml)
        return etree.fromstring(xml)

    def assert_ubl_totals(self, tree, invoice):
        total = "//cac:LegalMonetaryTotal/cbc:%s"
        self.assertEqual(
            [
                float(self.ubl(tree, total % name)[0])
                for name in ("TaxExclusiveAmount", "PayableAmount")
            ],
            [invoice.amount_untaxed, invoice.amount_residual],
        )
        self.assertEqual(
            float(self.ubl(tree, "/*/cac:TaxTotal/cbc:TaxAmount")[0]), invoice.amount_tax
        )

    def assert_business_rules(self, flavor, xml):
        done = subprocess.run(
            [sys.executable, str(VALIDATOR), flavor],
            input=xml,
            capture_output=True,
            check=False,
            timeout=300,
        )
        self.assertEqual(done.returncode, 0, done.stderr.decode()[-2000:])
        fatal = [a for a in json.loads(done.stdout) if a["flag"] == "fatal"]
        self.assertEqual(fatal, [], "EN 16931 business rules")

    def cii(self, tree, path):
        return [node.text for node in tree.xpath(path, namespaces=CII)]

    def ubl(self, tree, path):
        return [node.text for node in tree.xpath(path, namespaces=UBL)]

    def assert_cii_totals(self, tree, invoice):
        summary = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
        self.assertEqual(
            [
                float(self.cii(tree, summary + f"ram:{name}")[0])
                for name in ("TaxBasisTotalAmount", "TaxTotalAmount", "GrandTotalAmount")
            ],
            [invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total],
        )


class TestEInvoiceDocuments(EInvoiceCase):
    def test_monthly_invoice_carries_a_valid_facturx(self):
        self.october(self.order, days=3)
        invoice = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        proforma = invoice.proforma_number
        invoice.action_post()
        tree = self.facturx_of(invoice)

        self.assertEqual(self.cii(tree, "//rsm:ExchangedDocument/ram:ID"), [invoice.name])
        self.assertNotIn(proforma, etree.tostring(tree).decode(), "no pro-forma number")
        self.assertEqual(self.cii(tree, "//rsm:ExchangedDocument/ram:TypeCode"), ["380"])
        self.assertEqual(
            self.cii(tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
            ["urn:cen.eu:en16931:2017"],
        )
        period = "//ram:BillingSpecifiedPeriod/ram:%s/udt:DateTimeString"
        self.assertEqual(self.cii(tree, period % "StartDateTime"), ["20261001"])
        self.assertEqual(self.cii(tree, period % "EndDateTime"), ["20261031"])
        self.assertEqual(
            self.cii(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
            ["PO-ACME-42"],
        )
        quantity = tree.xpath("//ram:BilledQuantity", namespaces=CII)
        self.assertEqual([(q.get("unitCode"), float(q.text)) for q in quantity], [("DAY", 3.0)])
        self.assertIn("Alice", self.cii(tree, "//ram:SpecifiedTradeProduct/ram:Description")[0])
        self.assertEqual(
            self.cii(tree, "//ram:IncludedSupplyChainTradeLineItem//ram:LineTotalAmount"),
            ["1500.00"],
        )
        self.assertEqual(
            self.cii(tree, "//ram:ApplicableTradeTax/ram:RateApplicablePercent"), ["20.0", "20.0"]
        )
        self.assert_cii_totals(tree, invoice)
        self.assertEqual((invoice.amount_untaxed, invoice.amount_tax), (1500.0, 300.0))
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        text = " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())
        self.assertIn(f"Invoice {invoice.name}", text)
        self.assertNotIn(proforma, html.decode(), "the posted document shows the legal number")

        ubl = self.ubl_export(invoice)
        self.assertEqual(self.ubl(ubl, "/*/cbc:ID"), [invoice.name])
        self.assertEqual(self.ubl(ubl, "//cac:OrderReference/cbc:ID"), ["PO-ACME-42"])
        self.assertEqual(self.ubl(ubl, "//cac:InvoicePeriod/cbc:EndDate"), ["2026-10-31"])
        self.assert_ubl_totals(ubl, invoice)

    def test_belgian_customer_gets_a_valid_peppol_ubl_in_hours(self):
        self.company.postproduction_vat_on_debits = True
        order = self.create_order(self.brussels, client_order_ref="BXL-7")
        hour_line = self.env["sale.order.line"].create(
            {
                "order_id": order.id,
                "product_id": self.day_product.id,
                "product_uom": self.uom_hour.id,
                "product_uom_qty": 24.0,
                "price_unit": 80.0,
            }
        )
        self.october(order, days=2, hours=6.0, line=hour_line, rate=80.0)
        invoice = self.generate(domain=[("order_id", "=", order.id)]).move_ids
        invoice.action_post()
        tree = self.ubl_of(invoice)

        self.assertEqual(self.ubl(tree, "/*/cbc:ID"), [invoice.name])
        self.assertEqual(self.ubl(tree, "//cac:InvoicePeriod/cbc:StartDate"), ["2026-10-01"])
        self.assertEqual(self.ubl(tree, "//cac:InvoicePeriod/cbc:EndDate"), ["2026-10-31"])
        self.assertEqual(self.ubl(tree, "//cac:OrderReference/cbc:ID"), ["BXL-7"])
        quantity = tree.xpath("//cbc:InvoicedQuantity", namespaces=UBL)
        self.assertEqual([(q.get("unitCode"), float(q.text)) for q in quantity], [("HUR", 12.0)])
        self.assertIn("Alice", self.ubl(tree, "//cac:InvoiceLine/cac:Item/cbc:Description")[0])
        self.assertEqual(
            float(self.ubl(tree, "//cac:LegalMonetaryTotal/cbc:PayableAmount")[0]),
            invoice.amount_total,
        )
        self.assertEqual(invoice.amount_untaxed, 960.0)
        self.assertIn(
            "#TXD#Option pour le paiement de la taxe d'après les débits",
            self.ubl(tree, "/*/cbc:Note"),
        )
        self.assert_ubl_totals(tree, invoice)

    def test_schedule_instalment_invoice_is_valid_and_bills_its_month(self):
        fixed = self.env["product.product"].create(
            {"name": "Fixed-price project", "type": "service", "invoice_policy": "order"}
        )
        order = self.create_order(
            self.acme,
            client_order_ref="PO-FIXED",
            postproduction_mode="schedule",
            order_line=[
                Command.create(
                    {
                        "product_id": fixed.id,
                        "product_uom_qty": 1,
                        "price_unit": 3000.0,
                        "tax_id": [Command.set(self.tax.ids)],
                    }
                )
            ],
        )
        order.project_id = self.project
        self.env["postproduction.schedule"].create(
            {
                "order_id": order.id,
                "name": "Instalment 1 of 3",
                "date": date(2026, 10, 15),
                "amount": 1000.0,
            }
        )
        invoice = self.generate(domain=[("order_id", "=", order.id)]).move_ids
        self.assertEqual(len(invoice), 1)
        invoice.action_post()
        tree = self.facturx_of(invoice)
        period = "//ram:BillingSpecifiedPeriod/ram:%s/udt:DateTimeString"
        self.assertEqual(self.cii(tree, period % "StartDateTime"), ["20261001"])
        self.assertEqual(
            self.cii(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"), ["PO-FIXED"]
        )
        self.assert_cii_totals(tree, invoice)
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        ubl = self.ubl_export(invoice)
        self.assertEqual(self.ubl(ubl, "//cac:InvoicePeriod/cbc:StartDate"), ["2026-10-01"])
        self.assertEqual(self.ubl(ubl, "//cac:OrderReference/cbc:ID"), ["PO-FIXED"])
        self.assert_ubl_totals(ubl, invoice)

    def test_corrective_credit_note_refers_to_the_invoice_it_corrects(self):
        self.october(self.order, days=2)
        invoice = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        invoice.action_post()
        line = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        credit_note = invoice._postproduction_correct(
            {line: {"quantity": 1.5, "write_off": True}}, "Half a day disputed"
        )
        self.assertEqual((credit_note.move_type, credit_note.state), ("out_refund", "posted"))
        self.assertEqual(credit_note.amount_untaxed, 250.0)
        tree = self.facturx_of(credit_note)
        self.assertEqual(self.cii(tree, "//rsm:ExchangedDocument/ram:TypeCode"), ["381"])
        self.assertEqual(self.cii(tree, "//rsm:ExchangedDocument/ram:ID"), [credit_note.name])
        self.assertEqual(
            self.cii(tree, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID"), [invoice.name]
        )
        period = "//ram:BillingSpecifiedPeriod/ram:%s/udt:DateTimeString"
        self.assertEqual(self.cii(tree, period % "EndDateTime"), ["20261031"])
        quantity = tree.xpath("//ram:BilledQuantity", namespaces=CII)
        self.assertEqual([(q.get("unitCode"), float(q.text)) for q in quantity], [("DAY", 0.5)])
        self.assert_cii_totals(tree, credit_note)

        ubl = self.ubl_export(credit_note)
        self.assertEqual(
            self.ubl(ubl, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
            [invoice.name],
        )
        self.assertEqual(self.ubl(ubl, "//cac:CreditNoteLine/cbc:CreditedQuantity"), ["0.5"])

    def test_a_draft_never_carries_an_einvoice(self):
        self.october(self.order, days=1)
        draft = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        self.assertEqual(draft.state, "draft")
        report = self.env.ref("account.account_invoices")
        with patch.dict(config.options, {"test_enable": False}):
            pdf, _kind = self.env["ir.actions.report"]._render_qweb_pdf(report, draft.ids)
        self.assertTrue(pdf.startswith(b"%PDF"))
        _filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
        self.assertFalse(xml, "no XML embedded in a draft's PDF")
        self.assertFalse(draft.ubl_cii_xml_id)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", draft.id),
                    ("mimetype", "=", "application/xml"),
                ]
            )
        )

    def test_vat_on_debits_is_printed_and_carried_as_a_note(self):
        self.company.postproduction_vat_on_debits = True
        self.october(self.order, days=1)
        invoice = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        invoice.action_post()
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        self.assertIn(
            "Option pour le paiement de la taxe d'après les débits "
            "(Option for the payment of VAT on debits)",
            html.decode().replace("&#39;", "'"),
        )
        tree = self.facturx_of(invoice)
        notes = tree.xpath("//rsm:ExchangedDocument/ram:IncludedNote", namespaces=CII)
        self.assertIn(
            ("TXD", "Option pour le paiement de la taxe d'après les débits"),
            [
                (
                    n.findtext("ram:SubjectCode", namespaces=CII),
                    n.findtext("ram:Content", namespaces=CII),
                )
                for n in notes
            ],
        )

    def test_vat_mention_is_the_law_s_french_words_with_a_translation(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["postproduction"], ["fr_FR"], True)
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.acme.id, "postproduction_period": OCT}
        )
        mention = "Option pour le paiement de la taxe d'après les débits"
        self.assertEqual(
            invoice._get_postproduction_vat_mention(),
            f"{mention} (Option for the payment of VAT on debits)",
        )
        self.acme.lang = "fr_FR"
        self.assertEqual(invoice._get_postproduction_vat_mention(), mention)

    def test_the_mention_is_not_printed_without_the_option(self):
        self.october(self.order, days=1)
        invoice = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        self.assertNotIn("taxe d", html.decode().replace("&#39;", "'"))
        self.assertEqual(invoice._get_postproduction_edi_notes(), [])

    def test_a_billing_user_without_postproduction_sends_the_same_einvoice(self):
        """Send & Print by an accountant who has Invoicing's rights only: the deliveries
        and orders behind the lines are read for the document, not shown to the user."""
        self.october(self.order, days=2)
        invoice = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        invoice.action_post()
        billing = new_test_user(
            self.env, "pp_einvoice_billing", groups="base.group_user,account.group_account_invoice"
        )
        self.assertFalse(billing.has_group("postproduction.group_postproduction_user"))
        with self.assertRaises(AccessError):
            self.env["postproduction.delivery"].with_user(billing).search([]).read(["name"])
        tree = self.facturx_of(invoice.with_user(billing))
        self.assertIn("Alice", self.cii(tree, "//ram:SpecifiedTradeProduct/ram:Description")[0])
        self.assertEqual(
            self.cii(tree, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
            ["PO-ACME-42"],
        )

    def test_standard_invoices_keep_odoo_s_einvoice(self):
        """An invoice PostProduction does not handle keeps Odoo's own values."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.acme.id,
                "invoice_date": date(2026, 11, 3),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Training",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.set(self.tax.ids)],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.company.postproduction_vat_on_debits = True
        self.assertEqual(invoice._get_postproduction_edi_values(), {})
        vals = self.env["account.edi.xml.cii"]._export_invoice_vals(invoice)
        self.assertIn("extended", vals["document_context_id"])
        self.assertEqual(vals["billing_start"], invoice.invoice_date)


class TestEInvoiceAdvance(EInvoiceCase):
    """Billing in advance: the down payment, the final invoice that deducts it, and the
    negative regularisation, each a valid document referring to the advance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.postproduction_preliminary_invoice_day = 20
        cls.order.project_id = cls.project
        cls.order.postproduction_invoice_in_advance = True
        cls.delivery = cls.create_delivery(orders=cls.order)
        cls.delivery.sale_line_id.tax_id = cls.tax

    def advance(self):
        advance = (
            self.env["postproduction.invoice.run"]
            .generate(
                OCT,
                invoice_date=date(2026, 10, 20),
                mode="advance",
                domain=[("order_id", "=", self.order.id)],
            )
            .move_ids
        )
        advance.action_post()
        return advance

    def work(self, days):
        for day in [d for d in range(1, 32) if date(2026, 10, d).weekday() < 5][:days]:
            self.create_timesheet(date(2026, 10, day)).action_validate()
        self.env.flush_all()

    def test_advance_and_the_final_invoice_deducting_it(self):
        advance = self.advance()
        tree = self.facturx_of(advance)
        self.assert_cii_totals(tree, advance)
        self.assertEqual(self.cii(tree, "//rsm:ExchangedDocument/ram:TypeCode"), ["380"])
        self.assertFalse(tree.xpath("//ram:InvoiceReferencedDocument", namespaces=CII))
        self.assert_ubl_totals(self.ubl_export(advance), advance)

        self.work(22)  # 22 days x 500 = 11,000 against the 22 working days advanced
        final = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        final.action_post()
        tree = self.facturx_of(final)
        self.assertEqual(
            self.cii(tree, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID"), [advance.name]
        )
        self.assertEqual(
            self.cii(tree, "//ram:InvoiceReferencedDocument//qdt:DateTimeString"), ["20261020"]
        )
        self.assert_cii_totals(tree, final)

    def test_negative_regularisation_is_a_valid_credit_note(self):
        advance = self.advance()
        self.work(2)
        credit_note = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        self.assertEqual(credit_note.move_type, "out_refund")
        credit_note.action_post()
        tree = self.facturx_of(credit_note)
        self.assertEqual(self.cii(tree, "//rsm:ExchangedDocument/ram:TypeCode"), ["381"])
        self.assertEqual(
            self.cii(tree, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID"), [advance.name]
        )
        self.assert_cii_totals(tree, credit_note)
        ubl = self.ubl_export(credit_note)
        self.assertEqual(
            self.ubl(ubl, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
            [advance.name],
        )

    def test_final_invoice_in_ubl_refers_to_the_advance(self):
        self.acme.invoice_edi_format = "ubl_bis3"
        advance = self.advance()
        self.work(22)
        final = self.generate(domain=[("order_id", "=", self.order.id)]).move_ids
        final.action_post()
        tree = self.ubl_of(final)
        self.assertEqual(
            self.ubl(tree, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
            [advance.name],
        )

    def test_advance_runs_warn_and_skip_as_final_runs_do(self):
        self.acme.vat = False
        run = self.env["postproduction.invoice.run"].generate(
            OCT,
            invoice_date=date(2026, 10, 20),
            mode="advance",
            simulate=True,
            domain=[("order_id", "=", self.order.id)],
        )
        self.assertEqual(run.line_ids.result, "simulated")
        self.assertIn("without a VAT number", run.line_ids.einvoice_warning)
        self.company.postproduction_einvoice_check = "skip"
        run = self.env["postproduction.invoice.run"].generate(
            OCT,
            invoice_date=date(2026, 10, 20),
            mode="advance",
            domain=[("order_id", "=", self.order.id)],
        )
        self.assertEqual((run.line_ids.result, run.line_ids.reason_code), ("skipped", "einvoice"))
        self.assertFalse(run.move_ids)


class TestEInvoiceRun(EInvoiceCase):
    """The run groups per customer by order reference where the customer asks, and warns
    of what a platform would reject before any invoice exists."""

    def order_for(self, partner, reference, **values):
        order = self.create_order(partner, client_order_ref=reference, **values)
        project = self.env["project.project"].create(
            {
                "name": f"{partner.name} {reference}",
                "partner_id": partner.id,
                "allow_timesheets": True,
                "allow_billable": True,
            }
        )
        delivery = self.create_delivery(orders=order, project_id=project.id)
        delivery.sale_line_id.tax_id = self.tax
        self.create_timesheet(date(2026, 10, 5), project=project).action_validate()
        return order

    def test_grouping_per_customer_splits_by_order_reference(self):
        self.acme.postproduction_reference_policy = "per_invoice"
        first, second, third = (self.order_for(self.acme, ref) for ref in ("A-1", "B-2", "A-1"))
        globex_orders = [self.order_for(self.globex, ref) for ref in ("G-1", "G-2")]
        self.env.flush_all()
        orders = first | second | third | globex_orders[0] | globex_orders[1]
        run = self.generate(grouping="partner", domain=[("order_id", "in", orders.ids)])
        moves = run.move_ids
        by_reference = {m.invoice_line_ids.sale_line_ids.order_id: m for m in moves}
        self.assertEqual(len(moves), 3, "Acme A-1, Acme B-2, Globex")
        self.assertIn(first | third, by_reference)
        self.assertIn(second, by_reference)
        self.assertEqual(by_reference[first | third].ref, "A-1")
        globex = self.env["sale.order"].concat(*globex_orders)
        self.assertIn(globex, by_reference, "Globex takes several references per invoice")
        acme_lines = run.line_ids.filtered(lambda line: line.partner_id == self.acme)
        self.assertEqual(len(acme_lines), 3)
        for line in acme_lines:
            self.assertIn("one order reference per invoice", line.einvoice_warning)
        globex_lines = run.line_ids.filtered(lambda line: line.partner_id == self.globex)
        self.assertEqual(globex_lines.mapped("einvoice_warning"), [False, False])
        self.assertEqual(
            by_reference[globex]._get_postproduction_order_reference(),
            "",
            "two references are not one BT-13",
        )

    def test_dry_run_says_what_a_platform_would_reject(self):
        no_siren = self.env["res.partner"].create(
            {
                "name": "Sans Siren",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
                "vat": "FR96552100554",
                "postproduction_reference_policy": "required",
            }
        )
        no_vat = self.brussels.copy(
            {"name": "No VAT", "vat": False, "invoice_edi_format": "ubl_bis3"}
        )
        no_format = self.acme.copy({"name": "No format", "invoice_edi_format": False})
        orders = (
            self.order_for(no_siren, False)
            | self.order_for(no_vat, "NV-1")
            | self.order_for(no_format, "NF-1")
            | self.order_for(self.acme, "OK-1")
        )
        self.env.flush_all()
        run = self.generate(simulate=True, domain=[("order_id", "in", orders.ids)])
        warnings = {line.partner_id.name: line.einvoice_warning or "" for line in run.line_ids}
        self.assertEqual(set(run.line_ids.mapped("result")), {"simulated"})
        self.assertIn("without a valid SIREN or SIRET", warnings["Sans Siren"])
        self.assertIn("requires its order reference", warnings["Sans Siren"])
        self.assertIn("without a VAT number", warnings["No VAT"])
        self.assertIn("no e-invoice format", warnings["No format"])
        self.assertEqual(warnings["Acme"], "")

        self.company.postproduction_einvoice_check = "skip"
        run = self.generate(domain=[("order_id", "in", orders.ids)])
        skipped = run.line_ids.filtered(lambda line: line.result == "skipped")
        self.assertEqual(set(skipped.mapped("reason_code")), {"einvoice"})
        self.assertEqual(len(skipped), 3)
        self.assertIn(
            "without a VAT number", skipped.filtered(lambda line: line.partner_id == no_vat).reason
        )
        invoiced = run.move_ids.invoice_line_ids.sale_line_ids.order_id
        self.assertEqual(invoiced.client_order_ref, "OK-1")
        self.assertFalse(run.move_ids.postproduction_einvoice_warning)

    def test_real_run_creates_them_flagged_by_default(self):
        no_vat = self.brussels.copy(
            {"name": "No VAT", "vat": False, "invoice_edi_format": "ubl_bis3"}
        )
        order = self.order_for(no_vat, "NV-1")
        self.env.flush_all()
        run = self.generate(domain=[("order_id", "=", order.id)])
        self.assertEqual(run.line_ids.result, "generated")
        self.assertIn("without a VAT number", run.move_ids.postproduction_einvoice_warning)
        self.assertIn("without a VAT number", run.line_ids.einvoice_warning)
        no_vat.vat = "BE0477472701"
        self.env.invalidate_all()
        self.assertFalse(run.move_ids.postproduction_einvoice_warning, "checked again")
        self.assertIn("without a VAT number", run.line_ids.einvoice_warning, "the run's record")

    def test_no_check_outside_france(self):
        self.company.country_id = self.env.ref("base.us")
        no_vat = self.brussels.copy({"name": "No VAT", "vat": False, "invoice_edi_format": False})
        order = self.order_for(no_vat, False)
        self.env.flush_all()
        run = self.generate(simulate=True, domain=[("order_id", "=", order.id)])
        self.assertFalse(run.line_ids.einvoice_warning)

    def test_an_employee_cannot_change_the_company_s_einvoice_settings(self):
        company = self.company.with_user(self.user_employee)
        with self.assertRaises(Exception):  # noqa: B017 (AccessError of the write)
            company.with_context(sudo=True).postproduction_einvoice_check = "skip"
        self.assertEqual(self.company.postproduction_einvoice_check, "flag")
