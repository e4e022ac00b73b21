"""Make the plugin importable from a source checkout even when it is not pip-installed."""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import pbrules_pairing  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
