"""The financial documents leave PostProduction for their own addon.

Up to 18.0.1.0.0 their models, fields, views, security, data and demo records were
PostProduction's; from 18.0.1.1.0 they belong to ``postproduction_financial_document``.
Odoo deletes, at the end of an upgrade, every record whose external id names a module it
upgraded without that module loading it again: left alone, upgrading PostProduction
would drop the documents' tables and the companies' settings. So, before PostProduction
loads anything, their external ids move to the new addon, and the new addon is marked as
installed at PostProduction's old version and to be upgraded in the same run: Odoo loads
it right after PostProduction, in update mode (records marked ``noupdate`` are kept as
the company left them), and no document, line, year, attachment or setting moves.

This runs in PostProduction's own pre-migration, not in the new addon's: it must come
before PostProduction loads (and validates) its data, and the new addon's scripts would
run only after that.
"""

import csv
import logging
import os

from lxml import etree

from odoo.modules.module import get_manifest, get_module_path

_logger = logging.getLogger(__name__)

ADDON = "postproduction_financial_document"

MODELS = (
    "postproduction.financial.document",
    "postproduction.financial.document.category",
    "postproduction.financial.document.line",
    "postproduction.financial.document.line.year",
    "postproduction.financial.document.type",
    "postproduction.financial.document.date.wizard",
    "postproduction.budget.monitoring",
)
# The fields the documents add to the models PostProduction keeps
FIELDS = (
    ("res.company", "postproduction_attachment_max_size"),
    ("res.config.settings", "postproduction_attachment_max_size"),
    ("project.project", "postproduction_financial_document_ids"),
    ("project.project", "postproduction_financial_document_count"),
)
CONSTRAINTS = ("res_company_postproduction_attachment_max_size_positive",)


def migrate(cr, version):
    if not version:
        return
    addon_id = _prepare_addon(cr, version)
    names = _declared_names()
    _move_record_ids(cr, names)
    _move_model_ids(cr)
    cr.execute(
        """UPDATE ir_model_constraint c SET module = %(addon)s
             FROM ir_model m
            WHERE m.id = c.model AND (m.model IN %(models)s OR c.name IN %(constraints)s)""",
        {"addon": addon_id, "models": MODELS, "constraints": CONSTRAINTS},
    )
    cr.execute(
        """UPDATE ir_model_relation r SET module = %s
             FROM ir_model m WHERE m.id = r.model AND m.model IN %s""",
        [addon_id, MODELS],
    )


def _prepare_addon(cr, version):
    """Mark the new addon as installed at ``version`` and to be upgraded now."""
    cr.execute("SELECT id, state, demo FROM ir_module_module WHERE name = %s", [ADDON])
    row = cr.fetchone()
    if not row or not get_module_path(ADDON, display_warning=False):
        raise RuntimeError(
            f"PostProduction's financial documents are now the addon {ADDON}: put it in the "
            "addons path beside postproduction and upgrade again (nothing was changed)."
        )
    addon_id, state, _demo = row
    if state == "uninstalled":
        cr.execute(
            """UPDATE ir_module_module
                  SET state = 'to upgrade', latest_version = %s,
                      demo = (SELECT demo FROM ir_module_module WHERE name = 'postproduction')
                WHERE id = %s""",
            [version, addon_id],
        )
    return addon_id


def _declared_names():
    """The external ids the new addon's data and demo files declare."""
    manifest = get_manifest(ADDON)
    path = get_module_path(ADDON)
    names = set()
    for filename in manifest.get("data", []) + manifest.get("demo", []):
        full = os.path.join(path, filename)
        if filename.endswith(".csv"):
            with open(full, encoding="utf-8") as handle:
                names.update(row["id"] for row in csv.DictReader(handle))
        elif filename.endswith(".xml"):
            names.update(element.get("id") for element in etree.parse(full).iterfind("//*[@id]"))
    return {
        name.removeprefix(f"{ADDON}.")
        for name in names
        if "." not in name.removeprefix(f"{ADDON}.")
    }


def _move_record_ids(cr, names):
    """Move the declared records' ids, and those Odoo made for their ``_inherits`` parents
    (a project's ``<id>_mail_alias``)."""
    cr.execute(
        """UPDATE ir_model_data SET module = %(addon)s
            WHERE module = 'postproduction'
              AND (name IN %(names)s
                   OR substring(name from '^(.*)_' || replace(model, '.', '_') || '$')
                      IN %(names)s)""",
        {"addon": ADDON, "names": tuple(names)},
    )
    _logger.info("%s: %s record ids moved from postproduction", ADDON, cr.rowcount)


def _move_model_ids(cr):
    """Move the ids Odoo gave the models, fields, selections, constraints and inherits."""
    params = {"addon": ADDON, "models": MODELS, "fields": FIELDS, "constraints": CONSTRAINTS}
    cr.execute(
        """WITH model AS (SELECT id FROM ir_model WHERE model IN %(models)s),
                field AS (SELECT id FROM ir_model_fields
                           WHERE model IN %(models)s OR (model, name) IN %(fields)s)
           UPDATE ir_model_data d SET module = %(addon)s
            WHERE d.module = 'postproduction' AND (
                  (d.model = 'ir.model' AND d.res_id IN (SELECT id FROM model))
               OR (d.model = 'ir.model.fields' AND d.res_id IN (SELECT id FROM field))
               OR (d.model = 'ir.model.fields.selection' AND d.res_id IN (
                      SELECT id FROM ir_model_fields_selection
                       WHERE field_id IN (SELECT id FROM field)))
               OR (d.model = 'ir.model.constraint' AND d.res_id IN (
                      SELECT id FROM ir_model_constraint
                       WHERE model IN (SELECT id FROM model) OR name IN %(constraints)s))
               OR (d.model = 'ir.model.inherit' AND d.res_id IN (
                      SELECT id FROM ir_model_inherit
                       WHERE model_id IN (SELECT id FROM model))))""",
        params,
    )
    _logger.info("%s: %s model ids moved from postproduction", ADDON, cr.rowcount)
