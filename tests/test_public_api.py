"""The public API: every name in ``pbrules.__all__`` imports, and the CLI starts."""

import importlib

import pytest
from click.testing import CliRunner

import pbrules
from pbrules.cli import cli


@pytest.mark.parametrize("name", pbrules.__all__)
def test_public_name_imports(name: str) -> None:
    assert getattr(pbrules, name) is not None


def test_unknown_name_is_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = pbrules.no_such_thing  # type: ignore[attr-defined]


def test_version_matches_metadata() -> None:
    from importlib.metadata import version

    assert pbrules.__version__ == version("pbrules")


def test_model_imports_nothing_else_of_pbrules() -> None:
    # DESIGN §1: the model knows no criteria, engine, CLI or plugins.
    import ast
    from pathlib import Path

    model_dir = Path(importlib.import_module("pbrules.model").__file__).parent  # type: ignore[arg-type]
    for path in model_dir.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("pbrules")
            ):
                assert node.module.startswith("pbrules.model"), f"{path.name} imports {node.module}"


def test_cli_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("evaluate", "validate", "test", "schema", "plugins", "ledger", "report"):
        assert command in result.output


def test_all_matches_lazy_table() -> None:
    assert set(pbrules.__all__) == set(pbrules._LAZY) | {"__version__", "hookimpl"}
    assert pbrules.__all__ == sorted(pbrules.__all__)
