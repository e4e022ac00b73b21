"""`pbrules validate`, `pbrules test`, `pbrules plugins`, `pbrules checkers`."""

from __future__ import annotations

import enum
import inspect
import json
import re
import sys
import textwrap
import types
import typing
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from pbrules.cli._common import EXIT_CONFIG, EXIT_OK, handle_errors, stderr
from pbrules.errors import PackError, Problem, suggest
from pbrules.model.fields import field_specs

__all__ = ["COMMANDS", "checker_reference", "checkers_markdown", "plugins_report"]


# ---------------------------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------------------------
@click.command("validate")
@click.argument("packs", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when every pack is valid.")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "sarif", "junit", "github", "gitlab"]),
    default="text",
    show_default=True,
    help="text: PATH:LINE:COL lines on stderr; the others write a CI report to stdout.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report here.")
@handle_errors
def validate_command(packs: tuple[str, ...], quiet: bool, fmt: str, output: Path | None) -> None:
    """Check criteria packs (YAML paths, directories of them, or registered pack ids).

    Every problem is printed as PATH:LINE:COL: error: MESSAGE on stderr; the exit status is 0
    when every pack is valid and 2 otherwise. A rule-pack test file (NAME.test.yaml) is checked
    as one: its format, its snapshots and its pack (the cases are not run; see pbrules test).
    """
    from pbrules.packs.loader import load_pack
    from pbrules.packtest import is_test_file, prepare_file

    problems: list[Problem] = []
    sources: list[str] = []
    for given in packs:
        if Path(given).is_dir():
            found = sorted(str(p) for p in Path(given).rglob("*") if p.suffix in (".yaml", ".yml"))
            if not found:
                problems.append(Problem(given, 0, 0, "no .yaml files in this directory"))
            sources.extend(found)
        else:
            sources.append(given)
    for source in sources:
        if is_test_file(Path(source)):
            try:
                prepared = prepare_file(source)
            except PackError as exc:
                problems.extend(exc.problems)
                continue
            if not quiet and fmt == "text":
                click.echo(
                    f"{source}: ok (rule-pack tests, {len(prepared.cases)} case(s), "
                    f"pack {prepared.loaded.id})"
                )
            continue
        try:
            loaded = load_pack(source)
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        if not quiet and fmt == "text":
            n = len(loaded.model.criteria)
            click.echo(
                f"{source}: ok (pack {loaded.id} {loaded.model.version}, {n} criteria, "
                f"digest {loaded.digest[:12]})"
            )
    unique = list(dict.fromkeys(problems))
    if fmt != "text":
        _write_report(ci_report(fmt, unique, sources), output)
    else:
        for problem in unique:
            stderr(str(problem))
    sys.exit(EXIT_CONFIG if problems else EXIT_OK)


def ci_report(fmt: str, problems: list[Problem], checked: list[str]) -> str:
    from pbrules.ci_output import problems_output

    return problems_output(fmt, problems, checked)


def _write_report(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# test
# ---------------------------------------------------------------------------------------------
@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--verbose", "-v", is_flag=True, help="List passing cases too.")
@handle_errors
def test_command(paths: tuple[str, ...], verbose: bool) -> None:
    """Run rule-pack tests (*.test.yaml files, or directories holding them).

    Exit status: 0 every case passes; 1 some case fails; 2 a test file, snapshot or pack is
    invalid. Criteria that no case mentions are listed as untested.
    """
    from pbrules.packtest import format_report, run_tests

    report = run_tests(paths)
    text = format_report(report, verbose=verbose)
    for line in text.splitlines():
        is_problem = any(line == str(p) for p in report.problems)
        click.echo(line, err=is_problem)
    sys.exit(report.exit_code)


# ---------------------------------------------------------------------------------------------
# plugins
# ---------------------------------------------------------------------------------------------
def plugins_report() -> dict[str, Any]:
    """What ``pbrules plugins`` prints: loaded plugins with what each registered, and failures."""
    from pbrules.plugins import get_registry

    reg = get_registry()
    plugins = []
    for info in reg.plugins:
        registered = reg.registered_by(info.name)
        plugins.append(
            {
                "name": info.name,
                "version": info.version,
                "origin": info.origin,
                "hooks": list(info.hooks),
                "checkers": registered.get("checker", []),
                "readers": registered.get("reader", []),
                "exporters": registered.get("exporter", []),
                "packs": registered.get("pack", []),
                "extensions": registered.get("extension", []),
            }
        )
    failures = [{"name": f.name, "error": f.error} for f in reg.failures]
    return {"plugins": plugins, "failures": failures}


@click.command("plugins")
@handle_errors
def plugins_command() -> None:
    """List loaded plugins (built-in and installed) as JSON, with any that failed to load.

    PBRULES_LOAD_PLUGINS=a,b loads only those installed plugins (empty: none);
    PBRULES_DISABLE_PLUGINS=a,b skips those.
    """
    click.echo(json.dumps(plugins_report(), indent=2, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------
# checkers
# ---------------------------------------------------------------------------------------------
def _type_text(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None):
        return "null"
    if annotation is Any:
        return "any"
    if origin is typing.Annotated:
        return _type_text(args[0])
    if origin is typing.Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(dict.fromkeys(_type_text(a) for a in args))
    if origin in (list, tuple, set, frozenset):
        inner = _type_text(args[0]) if args else "any"
        return f"list of {inner}"
    if origin is dict:
        return "mapping"
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return " | ".join(str(m.value) for m in annotation)
        if issubclass(annotation, BaseModel):
            return "condition" if annotation.__name__.endswith("Cond") else annotation.__name__
        return {
            "str": "text",
            "int": "integer",
            "float": "number",
            "bool": "true | false",
            "date": "date",
        }.get(annotation.__name__, annotation.__name__)
    text = str(annotation).replace("typing.", "")
    return text


def _example(doc: str) -> str:
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip() in ("Example::", "Example:"):
            block: list[str] = []
            for nxt in lines[i + 1 :]:
                if nxt.strip() and not nxt.startswith((" ", "\t")):
                    break
                block.append(nxt)
            return textwrap.dedent("\n".join(block)).strip("\n")
    return ""


def _summary(doc: str) -> str:
    before = doc.split("Example:")[0]
    return before.strip()


def checker_reference() -> list[dict[str, Any]]:
    """Every registered checker: name, phase, plugin, description, params, example."""
    from pbrules.plugins import get_registry

    reg = get_registry()
    out = []
    for name in sorted(reg.checkers):
        checker = reg.checkers[name]
        doc = inspect.cleandoc(type(checker).__doc__ or "")
        params = [
            {
                "name": field.key,
                "type": _type_text(field.annotation),
                "required": field.required,
                "default": _jsonable(field.default),
                "description": field.description,
            }
            for field in field_specs(checker.Params)
        ]
        out.append(
            {
                "name": name,
                "phase": getattr(checker, "phase", "record"),
                "plugin": reg.origin("checker", name),
                "description": _summary(doc),
                "params": params,
                "example": _example(doc),
            }
        )
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def checkers_markdown(reference: list[dict[str, Any]]) -> str:
    """The checker reference as Markdown (docs/checkers.md)."""
    lines = [
        "# Checker reference",
        "",
        "Generated by `pbrules checkers --format md` from the checkers' own documentation.",
        "",
    ]
    for entry in reference:
        lines += [f"## `{entry['name']}`", ""]
        meta = f"Phase: `{entry['phase']}`"
        if entry["plugin"]:
            meta += f" · plugin: `{entry['plugin']}`"
        lines += [meta, "", entry["description"], ""]
        if entry["params"]:
            lines += ["| param | type | default | description |", "|---|---|---|---|"]
            for p in entry["params"]:
                default = "*required*" if p["required"] else f"`{json.dumps(p['default'])}`"
                desc = p["description"].replace("|", "\\|").replace("\n", " ")
                ptype = p["type"].replace("|", "\\|")
                lines.append(f"| `{p['name']}` | {ptype} | {default} | {desc} |")
            lines.append("")
        if entry["example"]:
            lines += ["```yaml", entry["example"], "```", ""]
    return "\n".join(lines).rstrip() + "\n"


_RST_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?(?:[^`<]*<)?([^`>]+)>?`")
_RST_LITERAL = re.compile(r"``([^`]+)``")
_RST_EMPHASIS = re.compile(r"(\*\*|\*)(\S(?:.*?\S)?)\1")


def plain_text(rst: str) -> str:
    """A docstring's reStructuredText markup as plain text for a terminal: ``x`` -> x,
    :class:`~a.b.C` -> C, **bold** -> bold, a trailing ``::`` -> ``:``."""
    text = _RST_ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], rst)
    text = _RST_LITERAL.sub(r"\1", text)
    text = _RST_EMPHASIS.sub(r"\2", text)
    return re.sub(r"::(\s*)$", r":\1", text, flags=re.M)


def _checkers_text(reference: list[dict[str, Any]]) -> str:
    blocks = []
    for entry in reference:
        head = f"{entry['name']}  [{entry['phase']}; {entry['plugin']}]"
        first = plain_text(entry["description"].split("\n\n")[0].replace("\n", " "))
        lines = [head, textwrap.indent(textwrap.fill(first, 96), "  ")]
        for p in entry["params"]:
            default = "required" if p["required"] else f"default {json.dumps(p['default'])}"
            lines.append(f"    {p['name']}: {p['type']} ({default})")
            if p["description"]:
                about = textwrap.fill(plain_text(p["description"]), 90)
                lines.append(textwrap.indent(about, "        "))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


@click.command("checkers")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json"]),
    default="text",
    show_default=True,
    help="text for reading, md for the Markdown reference, json for tools.",
)
@click.argument("names", nargs=-1)
@handle_errors
def checkers_command(fmt: str, names: tuple[str, ...]) -> None:
    """The checker reference: each checker's params (types, defaults) and a YAML example."""
    reference = checker_reference()
    if names:
        unknown = [n for n in names if n not in {e["name"] for e in reference}]
        if unknown:
            hints = []
            for n in unknown:
                close = suggest(n, [e["name"] for e in reference])
                hints.append(f"'{n}'" + (f" (did you mean '{close}'?)" if close else ""))
            stderr(f"error: unknown checker {', '.join(hints)}")
            sys.exit(EXIT_CONFIG)
        reference = [e for e in reference if e["name"] in names]
    if fmt == "json":
        click.echo(json.dumps(reference, indent=2, ensure_ascii=False))
    elif fmt == "md":
        click.echo(checkers_markdown(reference), nl=False)
    else:
        click.echo(_checkers_text(reference))


COMMANDS: list[click.Command] = [validate_command, test_command, plugins_command, checkers_command]
