"""French comes first: every translatable string of each addon is translated.

Reads each addon's ``i18n/<addon>.pot`` (exported by ``scripts/dev.sh pot``) and
``i18n/fr.po``, and checks that the .pot knows every string the Python code translates, so
that a new string cannot slip in without being exported and translated.
"""

import ast
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("postproduction", "postproduction_financial_document")


@pytest.fixture(scope="module", params=ADDONS)
def addon(request):
    return ROOT / request.param


def translated_literals(module):
    """The string literals passed to ``_()``, ``env._()`` or ``_lt()`` in the addon's code."""
    for path in module.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if name in ("_", "_lt") and literal:
                yield path.relative_to(module), first.value


@pytest.fixture(scope="module")
def pot(addon):
    return polib.pofile(str(addon / "i18n" / f"{addon.name}.pot"))


@pytest.fixture(scope="module")
def french(addon):
    return polib.pofile(str(addon / "i18n" / "fr.po"))


def test_the_template_knows_every_string_of_the_code(addon, pot):
    known = {entry.msgid for entry in pot}
    literals = translated_literals(addon)
    missing = sorted({f"{path}: {text}" for path, text in literals if text not in known})
    assert not missing, "run scripts/dev.sh pot; not in the .pot:\n" + "\n".join(missing)


def test_every_string_is_translated_in_french(pot, french):
    translations = {entry.msgid: entry for entry in french}
    untranslated = [
        entry.msgid
        for entry in pot
        if entry.msgid not in translations
        or not translations[entry.msgid].msgstr
        or "fuzzy" in translations[entry.msgid].flags
    ]
    assert not untranslated, "untranslated in fr.po:\n" + "\n".join(untranslated)


def test_french_keeps_the_placeholders(french):
    broken = []
    for entry in french:
        if not entry.msgstr:
            continue
        for marker in ("%(", "%s", "{"):
            if entry.msgid.count(marker) != entry.msgstr.count(marker):
                broken.append(entry.msgid)
                break
    assert not broken, "placeholders differ:\n" + "\n".join(broken)
