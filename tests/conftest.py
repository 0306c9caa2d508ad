"""Plain pytest tests of PostProduction's pure modules; Odoo is not needed here.

The ``calc`` package is loaded from ``postproduction/`` directly, so the addon's
``__init__`` (which imports Odoo) never runs.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "postproduction"))
