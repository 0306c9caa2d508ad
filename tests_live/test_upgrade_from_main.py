"""Upgrading a company's database from PostProduction 18.0.1.0.0, when the financial
documents were still part of it, to the two addons of today.

The database is installed from the last commit before the split (with the demo's
documents), and the company adds its own work with that code: a document of its own
with an attachment, a renamed document type (a ``noupdate`` record), its own attachment
limit, a status manager. Then ``-u postproduction`` with today's code, as an
administrator upgrades: nothing of it may move, and the documents now belong to
``postproduction_financial_document``. Without that addon in the addons path the upgrade
stops at once and changes nothing.
"""

import ast
import contextlib
import io
import shutil
import subprocess
import tarfile

import pytest
from conftest import ROOT, LiveOdoo

import odoo
from odoo.sql_db import db_connect

BEFORE_SPLIT = "cb182cac67070edc815500c66f8112eabd4f506d"
ADDON = "postproduction_financial_document"
DOCUMENT_MODELS = (
    "postproduction.financial.document",
    "postproduction.financial.document.category",
    "postproduction.financial.document.line",
    "postproduction.financial.document.line.year",
    "postproduction.financial.document.type",
    "postproduction.budget.monitoring",
)

# What the company did with the old code, in its Odoo shell
COMPANY_WORK = """
project = env.ref("postproduction.demo_financial_project")
kind = env.ref("postproduction.financial_document_type_invoice")
document = env["postproduction.financial.document"].create({
    "name": "Scanner rental", "code": "OWN_1", "type_id": kind.id, "project_id": project.id,
    "line_ids": [(0, 0, {"analytic_account_id": project.account_id.id, "amount": 1234.56})],
    "attachment_ids": [(0, 0, {"name": "rental.txt", "raw": b"rental contract"})],
})
env.ref("postproduction.financial_document_type_quote").name = "Devis client"
env.company.postproduction_attachment_max_size = 42
user = env["res.users"].create({"name": "Martine", "login": "martine.upgrade"})
user.groups_id += env.ref("postproduction.group_postproduction_financial_status_manager")
env.cr.commit()
"""

SNAPSHOT = {
    "documents": "SELECT id, code, name, type_id, project_id, state, date, amount_total"
    " FROM postproduction_financial_document ORDER BY id",
    "lines": "SELECT id, document_id, analytic_account_id, amount, breakdown_method"
    " FROM postproduction_financial_document_line ORDER BY id",
    "years": "SELECT id, line_id, year, amount FROM postproduction_financial_document_line_year"
    " ORDER BY id",
    "types": "SELECT id, name->>'en_US', code FROM postproduction_financial_document_type"
    " ORDER BY id",
    "categories": "SELECT id, name->>'en_US' FROM postproduction_financial_document_category"
    " ORDER BY id",
    "attachments": "SELECT r.document_id, a.id, a.name, a.checksum"
    " FROM postproduction_financial_document_attachment_rel r"
    " JOIN ir_attachment a ON a.id = r.attachment_id ORDER BY 1, 2",
    "limits": "SELECT id, postproduction_attachment_max_size FROM res_company ORDER BY id",
    "managers": "SELECT u.login FROM res_groups_users_rel r JOIN res_users u ON u.id = r.uid"
    " JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = r.gid"
    " AND d.name = 'group_postproduction_financial_status_manager' ORDER BY 1",
    "document_ids": "SELECT name, res_id FROM ir_model_data"
    " WHERE model = 'postproduction.financial.document' ORDER BY 1",
}


def snapshot(db):
    with contextlib.closing(db_connect(db).cursor()) as cr:
        result = {}
        for name, query in SNAPSHOT.items():
            cr.execute(query)
            result[name] = cr.fetchall()
        return result


def sql(db, query, params=None):
    with contextlib.closing(db_connect(db).cursor()) as cr:
        cr.execute(query, params)
        return cr.fetchall()


def addons_path(*folders):
    """Odoo's own addons (from the configuration) followed by ``folders``."""
    paths = [p for p in odoo.tools.config["addons_path"].split(",") if p.rstrip("/") != str(ROOT)]
    return ",".join([*paths, *map(str, folders)])


@pytest.fixture(scope="module")
def old_addons(tmp_path_factory):
    """``postproduction/`` as it was before the split, from the repository's history."""
    folder = tmp_path_factory.mktemp("before_split")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE_SPLIT, "postproduction"],
        capture_output=True,
        check=False,
    )
    if archive.returncode:
        pytest.fail(f"git archive {BEFORE_SPLIT}: {archive.stderr.decode()}", pytrace=False)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


@pytest.fixture(scope="module")
def old_db(live_odoo, old_addons, request):
    """PostProduction 18.0.1.0.0 with its demo data and the company's own work."""
    live = LiveOdoo(live_odoo.conf, f"{live_odoo.db}_upgrade", live_odoo.logs)
    live.drop()
    request.addfinalizer(live.drop)
    path = addons_path(old_addons)
    live.odoo("server", "-i", "postproduction", "--stop-after-init", "--no-http", addons_path=path)
    live.odoo("shell", "--no-http", addons_path=path, stdin=COMPANY_WORK)
    return live


@pytest.fixture(scope="module")
def before(old_db):
    result = snapshot(old_db.db)
    assert result["documents"], "the old database has no document to keep"
    return result


@pytest.fixture(scope="module")
def without_addon(old_db, before, tmp_path_factory):
    """``-u postproduction`` on a copy, with today's postproduction but not the new addon."""
    folder = tmp_path_factory.mktemp("without_addon")
    (folder / "postproduction").symlink_to(ROOT / "postproduction")
    copy = LiveOdoo(old_db.conf, f"{old_db.db}_copy", old_db.logs)
    copy.drop()
    old_db.release()
    with contextlib.closing(db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(f'CREATE DATABASE "{copy.db}" TEMPLATE "{old_db.db}"')
    shutil.copytree(odoo.tools.config.filestore(old_db.db), odoo.tools.config.filestore(copy.db))
    try:
        output = copy.odoo(
            "server",
            "-u",
            "postproduction",
            "--stop-after-init",
            "--no-http",
            addons_path=addons_path(folder),
            fails=True,
        )
        return {"output": output, "after": snapshot(copy.db), "modules": modules(copy.db)}
    finally:
        copy.drop()


@pytest.fixture(scope="module")
def upgraded(old_db, before, without_addon):
    """``-u postproduction`` with today's code, then the snapshot and the catalog."""
    old_db.odoo("server", "-u", "postproduction", "--stop-after-init", "--no-http")
    return {"after": snapshot(old_db.db), "modules": modules(old_db.db)}


def modules(db):
    rows = sql(
        db,
        "SELECT name, state, latest_version FROM ir_module_module WHERE name LIKE %s",
        ["postproduction%"],
    )
    return {name: (state, version) for name, state, version in rows}


def test_the_upgrade_keeps_every_document_and_setting(before, upgraded):
    for what, rows in before.items():
        assert upgraded["after"][what] == rows, what
    assert ("OWN_1",) in [(row[1],) for row in upgraded["after"]["documents"]]
    assert ("Devis client",) in [(row[1],) for row in upgraded["after"]["types"]]
    assert "martine.upgrade" in [row[0] for row in upgraded["after"]["managers"]]
    assert 42 in [row[1] for row in upgraded["after"]["limits"]]


def _manifest_version(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())["version"]


def test_the_upgrade_installs_the_documents_addon(upgraded):
    """Both addons at today's versions (each its manifest's), the new one installed."""
    assert upgraded["modules"] == {
        "postproduction": ("installed", _manifest_version("postproduction")),
        ADDON: ("installed", _manifest_version(ADDON)),
    }


def test_the_documents_external_ids_belong_to_the_new_addon(old_db, upgraded):
    left = sql(
        old_db.db,
        """SELECT d.model, d.name FROM ir_model_data d
             LEFT JOIN ir_model m ON d.model = 'ir.model' AND m.id = d.res_id
             LEFT JOIN ir_model_fields f ON d.model = 'ir.model.fields' AND f.id = d.res_id
            WHERE d.module = 'postproduction'
              AND (d.model IN %(models)s OR m.model IN %(models)s OR f.model IN %(models)s
                   OR f.name IN ('postproduction_attachment_max_size',
                                 'postproduction_financial_document_ids')
                   OR d.name LIKE '%%financial%%' OR d.name LIKE '%%budget%%')""",
        {"models": DOCUMENT_MODELS},
    )
    assert left == []
    moved = sql(
        old_db.db,
        "SELECT name FROM ir_model_data WHERE module = %s AND name IN %s ORDER BY 1",
        [ADDON, ("demo_financial_quote", "group_postproduction_financial_status_manager")],
    )
    assert moved == [("demo_financial_quote",), ("group_postproduction_financial_status_manager",)]


def test_the_documents_work_through_the_orm_after_the_upgrade(old_db, before, upgraded):
    with old_db.env(commit=False) as env:
        documents = env["postproduction.financial.document"]
        own = documents.search([("code", "=", "OWN_1")])
        assert own.amount_total == 1234.56
        assert own.attachment_ids.mapped("raw") == [b"rental contract"]
        assert env.ref(f"{ADDON}.demo_financial_quote") in documents.search([])
        assert documents.search_count([]) == len(before["documents"])
        martine = env["res.users"].search([("login", "=", "martine.upgrade")])
        assert martine.has_group(f"{ADDON}.group_postproduction_financial_status_manager")


def test_a_second_upgrade_changes_nothing(old_db, upgraded):
    old_db.odoo("server", "-u", "postproduction", "--stop-after-init", "--no-http")
    assert snapshot(old_db.db) == upgraded["after"]


def test_without_the_new_addon_the_upgrade_stops_and_changes_nothing(before, without_addon):
    assert "put it in the addons path beside postproduction" in without_addon["output"]
    assert without_addon["after"] == before
    assert without_addon["modules"]["postproduction"] == ("installed", "18.0.1.0.0")
    assert without_addon["modules"].get(ADDON, ("uninstalled",))[0] == "uninstalled"
