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
