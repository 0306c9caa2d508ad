"""PostProduction over Odoo's external API, through a real HTTP server."""

import json
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestExternalApi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "pp_rpc_manager",
            password="pp_rpc_manager",
            groups="base.group_user,postproduction.group_postproduction_manager",
        )
        cls.consultant = new_test_user(
            cls.env,
            "pp_rpc_consultant",
            password="pp_rpc_consultant",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )
        # a row of the dashboard in a month of its own: March 2026, hours without order
        cls.project = cls.env["project.project"].create(
            {
                "name": "RPC project",
                "allow_timesheets": True,
                "allow_billable": True,
                "partner_id": cls.env["res.partner"].create({"name": "RPC customer"}).id,
            }
        )
        employee = cls.env["hr.employee"].create({"name": "RPC consultant"})
        cls.env["account.analytic.line"].create(
            {
                "name": "Work",
                "project_id": cls.project.id,
                "employee_id": employee.id,
                "date": "2026-03-10",
                "unit_amount": 8.0,
            }
        )

    def xml_call(self, login, model, method, *args, **kwargs):
        server = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object")
        return server.execute_kw(
            self.env.cr.dbname, login.id, login.login, model, method, list(args), kwargs
        )

    def test_dashboard_rows_read_and_written_over_xml_rpc(self):
        domain = [("period", "=", "2026-03-01"), ("project_id", "=", self.project.id)]
        rows = self.xml_call(
            self.manager,
            "postproduction.turnover",
            "search_read",
            domain,
            fields=["days", "status"],
        )
        self.assertEqual(len(rows), 1)
        row_id = rows[0]["id"]
        self.assertLessEqual(row_id, 2**31 - 1)  # XML-RPC's integers
        self.assertEqual((rows[0]["days"], rows[0]["status"]), (1.0, "no_order"))
        # the same id on every read, by search or by id, for the web client as for RPC
        self.assertEqual(
            self.xml_call(self.manager, "postproduction.turnover", "search", domain), [row_id]
        )
        self.xml_call(self.manager, "postproduction.turnover", "write", [row_id], {"note": "RPC"})
        read = self.xml_call(self.manager, "postproduction.turnover", "read", [row_id], ["note"])
        self.assertEqual(read, [{"id": row_id, "note": "RPC"}])
        result, error = self.json_call(
            self.manager,
            "postproduction.turnover",
            "web_search_read",
            domain,
            specification={"note": {}, "period": {}},
        )
        self.assertIsNone(error)
        self.assertEqual(result["records"], [{"id": row_id, "note": "RPC", "period": "2026-03-01"}])

    def test_dry_run_and_its_lines_over_xml_rpc(self):
        run_id = self.xml_call(
            self.manager,
            "postproduction.invoice.run",
            "generate",
            "2026-03-01",
            simulate=True,
            domain=[("project_id", "=", self.project.id)],
        )
        lines = self.xml_call(
            self.manager,
            "postproduction.invoice.run.line",
            "search_read",
            [("run_id", "=", run_id)],
            fields=["result", "reason_code"],
        )
        self.assertEqual(
            [(line["result"], line["reason_code"]) for line in lines], [("skipped", "no_order")]
        )

    def json_call(self, login, model, method, *args, **kwargs):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.env.cr.dbname, login.id, login.login, model, method, args, kwargs],
            },
        }
        response = self.url_open(
            "/jsonrpc", data=json.dumps(payload), headers={"Content-Type": "application/json"}
        ).json()
        return response.get("result"), response.get("error")

    def test_generate_returns_the_run_id_over_json_rpc(self):
        run_id, error = self.json_call(
            self.manager, "postproduction.invoice.run", "generate", "2026-11-01", simulate=True
        )
        self.assertIsNone(error)
        self.assertIsInstance(run_id, int)
        lines, error = self.json_call(
            self.manager,
            "postproduction.invoice.run.line",
            "search_read",
            [("run_id", "=", run_id)],
            fields=["result", "reason"],
        )
        self.assertIsNone(error)
        self.assertEqual(self.env["postproduction.invoice.run"].browse(run_id).simulate, True)
        self.assertEqual(
            len(lines), len(self.env["postproduction.invoice.run"].browse(run_id).line_ids)
        )

    def test_generate_returns_the_run_id_over_xml_rpc(self):
        server = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object")
        run_id = server.execute_kw(
            self.env.cr.dbname,
            self.manager.id,
            self.manager.login,
            "postproduction.invoice.run",
            "generate",
            ["2026-11-01"],
            {"simulate": True},
        )
        self.assertIsInstance(run_id, int)

    def test_a_consultant_cannot_generate_or_validate_whatever_the_context(self):
        _result, error = self.json_call(
            self.consultant,
            "postproduction.invoice.run",
            "generate",
            "2026-11-01",
            context={"postproduction_approval": True, "postproduction_unlock_reason": "x"},
        )
        self.assertIn("AccessError", error["data"]["name"])
