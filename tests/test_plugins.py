"""The plugin system: runtime plugins, entry points, allow/deny lists, failures, documentation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import Field

from pbrules import hookimpl, hookspecs
from pbrules.checker import CheckContext, Checker, Params
from pbrules.cli import cli
from pbrules.engine.evaluate import Engine
from pbrules.errors import PackError, PluginError
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack
from pbrules.plugins import HOOK_NAMES, PluginHost, get_registry

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SRC = REPO / "plugins" / "pbrules-example" / "src"


class MinGroupsParams(Params):
    min: int = Field(default=1, ge=0, description="Party groups required.")


class MinGroups(Checker[MinGroupsParams]):
    """Has at least ``min`` party groups.

    Example::

        check: test.min_groups
        params: {min: 2}
    """

    name = "test.min_groups"
    Params = MinGroupsParams

    def check(self, snapshot: Snapshot, params: MinGroupsParams, ctx: CheckContext) -> Outcome:
        n = len(snapshot.party_groups)
        ok = n >= params.min
        return Outcome(Status.PASS if ok else Status.FAIL, 1.0 if ok else 0.0, 0 if ok else 1, n)


class GroupsPlugin:
    @hookimpl
    def register_checkers(self, register: Callable[[Checker[Any]], None]) -> None:
        register(MinGroups())


PACK = """pack: groups
version: "1"
areas: [{id: standardization, weight: 1}]
criteria:
  - id: G1
    title: Party groups
    area: standardization
    check: test.min_groups
    params: {min: 2}
    points: 4
"""


def test_runtime_plugin_adds_a_checker_usable_from_yaml(
    pbrules_plugin: Callable[..., str], tmp_path: Path
) -> None:
    pack = tmp_path / "groups.yaml"
    pack.write_text(PACK, encoding="utf-8")
    with pytest.raises(PackError, match=r"unknown checker 'test\.min_groups'"):
        load_pack(pack)
    name = pbrules_plugin(GroupsPlugin(), "groups-plugin")
    assert get_registry().origin("checker", "test.min_groups") == name
    loaded = load_pack(pack)
    snap = Snapshot.model_validate(
        {
            "period": "2026Q3",
            "organization": {"id": "B1", "name": "B", "kind": "branch"},
            "party_groups": [{"id": "G1"}, {"id": "G2"}],
        }
    )
    result = Engine(loaded).evaluate(snap).result
    assert [(c.id, c.status, c.earned) for c in result.criteria] == [("G1", Status.PASS, 4.0)]
    # params are validated against the plugin's Params model, at the param's position
    pack.write_text(PACK.replace("{min: 2}", "{min: -1}"), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack(pack)
    assert str(info.value) == (
        f"{pack}:9:19: error: criterion G1: params.min: must be at least 0 (got -1)"
    )


def test_runtime_plugin_is_gone_after_the_fixture() -> None:
    assert "test.min_groups" not in get_registry().checkers


def test_duplicate_names_both_origins(pbrules_plugin: Callable[..., str]) -> None:
    class Clash:
        @hookimpl
        def register_checkers(self, register: Callable[[Checker[Any]], None]) -> None:
            class Condition(MinGroups):
                name = "condition"

            register(Condition())

    with pytest.raises(PluginError) as info:
        pbrules_plugin(Clash(), "clash")
    message = str(info.value)
    assert "'condition'" in message
    assert "'pbrules.builtin.checkers'" in message and "'clash'" in message
    assert get_registry().checkers["condition"].__class__.__name__ == "ConditionChecker"


def test_hook_that_raises_registers_nothing() -> None:
    class Broken:
        @hookimpl
        def register_checkers(self, register: Callable[[Checker[Any]], None]) -> None:
            register(MinGroups())
            raise RuntimeError("boom")

    host = PluginHost(load_entrypoints=False)
    with pytest.raises(PluginError, match="register_checkers failed: RuntimeError: boom"):
        host.register(Broken(), "broken")
    assert "test.min_groups" not in host.registry().checkers
    assert not host.pm.has_plugin("broken")


def test_misspelled_hook_is_rejected() -> None:
    class Typo:
        @hookimpl
        def register_checker(self, register: Any) -> None:  # missing the s
            raise AssertionError("never called")

    host = PluginHost(load_entrypoints=False)
    with pytest.raises(PluginError, match="register_checker"):
        host.register(Typo(), "typo")


def test_checker_without_params_model_is_rejected() -> None:
    class NoParams:
        @hookimpl
        def register_checkers(self, register: Callable[[Any], None]) -> None:
            class Bad:
                name = "bad.checker"

                def check(self) -> None: ...

            register(Bad())

    host = PluginHost(load_entrypoints=False)
    with pytest.raises(PluginError, match="no pydantic Params model"):
        host.register(NoParams(), "noparams")


# ---------------------------------------------------------------------------------------------
# Entry points, through a dist-info directory on sys.path (no pip, no network)
# ---------------------------------------------------------------------------------------------
def make_dist(site: Path, name: str, version: str, entry_points: dict[str, str]) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = ["[pbrules]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _entry_points_in(site: Path) -> Callable[..., list[metadata.EntryPoint]]:
    def entry_points(*, group: str) -> list[metadata.EntryPoint]:
        found: list[metadata.EntryPoint] = []
        for dist in metadata.distributions(path=[str(site)]):
            found.extend(ep for ep in dist.entry_points if ep.group == group)
        return found

    return entry_points


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pbrules_fresh_host: None) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "pbrules-example", "0.1.0", {"example": "pbrules_example"})
    make_dist(site, "pbrules-broken", "9.9", {"broken": "pbrules_no_such_module"})
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    # Only this site's entry points: plugins installed in the environment are not seen.
    monkeypatch.setattr(metadata, "entry_points", _entry_points_in(site))
    monkeypatch.delenv("PBRULES_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PBRULES_DISABLE_PLUGINS", raising=False)
    return site


def plugins_json() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_entry_point_plugin_is_listed(site: Path) -> None:
    data = plugins_json()
    example = next(p for p in data["plugins"] if p["name"] == "example")
    assert example["version"] == "0.1.0"
    assert example["origin"] == "entrypoint"
    assert example["checkers"] == ["volunteer.hours"]
    assert example["extensions"] == ["volunteer"]
    assert example["packs"] == ["volunteer"]
    assert example["hooks"] == [
        "register_checkers",
        "register_packs",
        "register_snapshot_extensions",
    ]
    builtin = next(p for p in data["plugins"] if p["name"] == "pbrules.builtin.checkers")
    assert "condition" in builtin["checkers"]
    # the broken entry point is reported and skipped, never a crash
    (failure,) = [f for f in data["failures"] if f["name"] == "broken"]
    assert "cannot import pbrules_no_such_module" in failure["error"]
    assert "ModuleNotFoundError" in failure["error"]


def test_allow_list(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PBRULES_LOAD_PLUGINS", "example")
    data = plugins_json()
    assert "example" in [p["name"] for p in data["plugins"]]
    assert data["failures"] == []  # broken was not even tried


def test_allow_list_empty_loads_no_external_plugin(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PBRULES_LOAD_PLUGINS", "")
    data = plugins_json()
    assert {p["origin"] for p in data["plugins"]} == {"builtin"}
    assert "condition" in get_registry().checkers


def test_deny_list(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PBRULES_DISABLE_PLUGINS", "example, broken")
    data = plugins_json()
    assert [p for p in data["plugins"] if p["origin"] == "entrypoint"] == []
    assert data["failures"] == []


def test_entry_point_checker_usable_from_yaml(site: Path, tmp_path: Path) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text("pack: p\nversion: '1'\nextends: [volunteer]\n", encoding="utf-8")
    loaded = load_pack(pack)
    assert [c.check for c in loaded.model.criteria] == ["volunteer.hours"]


# ---------------------------------------------------------------------------------------------
# Documentation
# ---------------------------------------------------------------------------------------------
def test_every_hook_is_documented() -> None:
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    specs = sorted(
        name
        for name in dir(hookspecs)
        if name.startswith("register_") and hasattr(getattr(hookspecs, name), "pbrules_spec")
    )
    assert specs == sorted(HOOK_NAMES)
    for name in specs:
        assert re.search(rf"^#+ .*`?{name}\b", docs, re.MULTILINE), f"{name} has no heading"


def test_every_hook_has_a_docstring_with_params() -> None:
    for name in HOOK_NAMES:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert ":param" in doc, name


def test_register_commands_failure_is_reported_not_raised() -> None:
    import click

    class Commands:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command("hello-plugin")
            def hello() -> None:
                click.echo("hello")

    class BrokenCommands:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            raise RuntimeError("no commands today")

    host = PluginHost(load_entrypoints=False)
    host.register(Commands(), "commands")
    host.register(BrokenCommands(), "broken-commands")
    group = click.Group("pbrules")
    failures = host.add_commands(group)
    assert "hello-plugin" in group.commands
    assert [f.name for f in failures] == ["broken-commands"]
    assert "no commands today" in host.registry().failures[-1].error


def test_checkers_command() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["checkers", "condition"])
    assert result.exit_code == 0
    assert "condition  [record; pbrules.builtin.checkers]" in result.output
    assert "    fact: text | null (default null)" in result.output
    result = runner.invoke(cli, ["checkers", "--format", "json", "condition"])
    (entry,) = json.loads(result.output)
    assert entry["name"] == "condition"
    assert "Monotone: none in general" in entry["description"]
    assert entry["example"].startswith("- id: X01")
    params = {p["name"]: p for p in entry["params"]}
    assert params["not"]["type"] == "condition | null"
    assert params["op"]["default"] is None and not params["op"]["required"]
    result = runner.invoke(cli, ["checkers", "--format", "md"])
    assert result.exit_code == 0
    assert "## `condition`" in result.output and "```yaml" in result.output
    result = runner.invoke(cli, ["checkers", "conditon"])
    assert result.exit_code == 2
    assert "did you mean 'condition'?" in result.stderr


def test_every_builtin_checker_has_an_example_and_described_params() -> None:
    from pbrules.cli.packs import checker_reference

    for entry in checker_reference():
        if entry["plugin"] != "pbrules.builtin.checkers":
            continue
        assert entry["example"], f"{entry['name']} has no Example:: block"
        assert "Monotone" in entry["description"], entry["name"]


def test_builtin_packs_are_registered_by_pack_id(tmp_path: Path) -> None:
    from pbrules.builtin.packs import RULES_DIR, pack_id_of, rule_files

    assert RULES_DIR == REPO / "rules"
    registry = get_registry()
    for path in rule_files():
        assert not path.name.endswith(".test.yaml")
        pack_id = pack_id_of(path)
        assert pack_id is not None
        assert registry.packs[pack_id] == path
        assert registry.origin("pack", pack_id) == "pbrules.builtin.packs"
    for text, expected in [
        ('pack: "my-pack"  # quoted\n', "my-pack"),
        ("# comment\nversion: '1'\npack: p.v2\n", "p.v2"),
        ("  pack: nested\n", None),
        ("title: no id\n", None),
    ]:
        f = tmp_path / "p.yaml"
        f.write_text(text, encoding="utf-8")
        assert pack_id_of(f) == expected, text
    assert rule_files(tmp_path / "nowhere") == []


def test_hooks_are_called_through_pluggy_one_plugin_at_a_time() -> None:
    host = PluginHost(load_entrypoints=False)
    seen: list[tuple[str, list[str]]] = []
    undo = host.pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: seen.append((name, [i.plugin_name for i in impls])),
        lambda outcome, name, impls, kwargs: None,
    )
    try:
        registry = host.registry()
    finally:
        undo()
    assert ("register_checkers", ["pbrules.builtin.checkers"]) in seen
    assert all(len(plugins) == 1 for _, plugins in seen)
    assert "meetings.frequency" in registry.checkers


def test_the_suite_loads_no_plugin_installed_in_the_environment(
    pbrules_fresh_host: None,
) -> None:
    """tests/conftest.py: whatever is pip-installed, the suite sees only the plugins it sets up."""
    import os

    assert os.environ["PBRULES_LOAD_PLUGINS"] == ""
    data = plugins_json()
    assert {p["origin"] for p in data["plugins"]} == {"builtin"}
    assert data["failures"] == []
