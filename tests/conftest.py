"""Generic fixtures shared by the test modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No per-example deadline anywhere: CI machines are shared and slow examples are not failures.
# Under CI, examples are derived from each test (derandomized) so a run is reproducible.
settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

REPO_ROOT = Path(__file__).resolve().parent.parent

#: No entry-point plugin of the environment is loaded while the suite runs: the suite controls the
#: plugin set (a test that wants entry points lays out its own, see tests/test_plugins.py `site`).
#: Set in the process environment too, so CLI subprocesses started by tests see the same set.
os.environ["PBRULES_LOAD_PLUGINS"] = ""
os.environ.pop("PBRULES_DISABLE_PLUGINS", None)


@pytest.fixture(autouse=True)
def _suite_controls_the_plugin_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with no external plugin allowed (a test may widen it for itself)."""
    monkeypatch.setenv("PBRULES_LOAD_PLUGINS", "")
    monkeypatch.delenv("PBRULES_DISABLE_PLUGINS", raising=False)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root directory."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def example_dir() -> Path:
    """examples/district: the committed example district."""
    return REPO_ROOT / "examples" / "district"
