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


def test_checker_api_types_are_exported() -> None:
    from pbrules.checker import ChildRef, ChildScore
    from pbrules.model.index import SnapshotIndex

    assert pbrules.ChildRef is ChildRef and pbrules.ChildScore is ChildScore
    assert pbrules.SnapshotIndex is SnapshotIndex
    for name in ("ChildRef", "ChildScore", "SnapshotIndex", "evaluate", "load_result"):
        assert name in pbrules.__all__


def test_result_io_is_reachable_from_the_package() -> None:
    # docs/result-format.md: `pbrules.result_io.load_result(path)` after `import pbrules` alone
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples/district/result-2026Q2.json"
    assert str(pbrules.result_io.load_result(path).period) == "2026Q2"
    assert pbrules.load_result is pbrules.result_io.load_result


def test_plugins_import_only_the_public_package() -> None:
    """The plugins of plugins/ (their code and tests) use ``pbrules`` only: module paths are
    not API."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "plugins"
    deep: list[str] = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            deep += [f"{path.relative_to(root)}:{node.lineno}: {n}"
                     for n in names if n.startswith("pbrules.")]  # fmt: skip
    assert deep == [], "deep imports in plugins/ (import from `pbrules` instead):\n" + "\n".join(
        deep
    )
