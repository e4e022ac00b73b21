"""The plugin host: a pluggy manager, entry-point loading, and a typed registry facade.

Built-in plugins (:data:`DEFAULT_PLUGINS`) register through the same hooks as third-party ones.
External plugins come from the ``pbrules`` entry-point group and are filtered by two
environment variables (comma-separated entry-point names):

- ``PBRULES_LOAD_PLUGINS``: load only these (set it empty to load no external plugin);
- ``PBRULES_DISABLE_PLUGINS``: never load these.

A plugin that fails to import, whose hooks do not match the specifications, or whose hook raises,
is reported in :attr:`Registry.failures` (and by ``pbrules plugins``) and skipped; the other
plugins keep working. Registering two things under one name is rejected with a message naming both
plugins: the first registration stays, the second is reported as a failure. A plugin registered at
runtime with :meth:`PluginHost.register` (tests, embedding) is checked at once: any failure it
causes raises :class:`~pbrules.errors.PluginError` and the plugin is unregistered.

Hooks are called through pluggy, one plugin at a time: :meth:`PluginHost.call_one` calls a
hook through ``pm.subset_hook_caller`` restricted to one plugin, so pluggy's tracing and hook-call
monitoring see every call and a plugin's hook wrappers apply to its own hook, while a plugin
that raises fails alone (a plain ``pm.hook.X()`` call would stop at the first exception and lose
the other plugins' registrations). Plugins are called in registration order: built-ins, entry
points (by name), runtime plugins.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy
from pydantic import BaseModel

from pbrules import hookspecs
from pbrules.errors import PluginError

if TYPE_CHECKING:
    import click

    from pbrules.checker import Checker
    from pbrules.io import Exporter, Reader

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginFailure",
    "PluginHost",
    "PluginInfo",
    "Registry",
    "get_host",
    "get_registry",
    "reset_host",
]

ENTRY_POINT_GROUP = "pbrules"
DEFAULT_PLUGINS: tuple[str, ...] = (
    "pbrules.builtin.checkers",
    "pbrules.builtin.readers",
    "pbrules.builtin.xlsx_reader",
    "pbrules.builtin.exporters",
    "pbrules.builtin.packs",
    "pbrules.report.plugin",
    "pbrules.builtin.ci_exporters",
)
HOOK_NAMES: tuple[str, ...] = (
    "register_checkers",
    "register_packs",
    "register_readers",
    "register_exporters",
    "register_snapshot_extensions",
    "register_commands",
)


@dataclass(frozen=True, slots=True)
class PluginInfo:
    name: str
    version: str | None
    origin: str  # "builtin" | "entrypoint" | "runtime"
    hooks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """A plugin, or one registration of a plugin, that was skipped, and why."""

    name: str
    error: str


@dataclass(slots=True)
class Registry:
    """Everything the loaded plugins registered, by name, with the registering plugin."""

    checkers: dict[str, Checker[Any]] = field(default_factory=dict)
    readers: dict[str, Reader] = field(default_factory=dict)
    exporters: dict[str, Exporter] = field(default_factory=dict)
    packs: dict[str, Path] = field(default_factory=dict)
    extensions: dict[str, type[BaseModel]] = field(default_factory=dict)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    plugins: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)

    def origin(self, kind: str, name: str) -> str | None:
        """The plugin that registered ``name`` of ``kind`` (``checker``, ``reader``...)."""
        return self.origins.get((kind, name))

    def registered_by(self, plugin: str) -> dict[str, list[str]]:
        """What ``plugin`` registered: kind (``checker``...) -> sorted names."""
        out: dict[str, list[str]] = {}
        for (kind, name), origin in self.origins.items():
            if origin == plugin:
                out.setdefault(kind, []).append(name)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def reader_for(self, path: Path) -> Reader | None:
        suffix = path.suffix.lower()
        for reader in self.readers.values():
            if suffix in reader.suffixes:
                return reader
        return None

    def _add(self, kind: str, table: dict[str, Any], name: str, value: Any, plugin: str) -> None:
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {plugin!r} registered a {kind} without a name")
        if name in table:
            raise PluginError(
                f"{kind} {name!r} is registered twice: by plugin {self.origins[(kind, name)]!r} "
                f"and by plugin {plugin!r}"
            )
        table[name] = value
        self.origins[(kind, name)] = plugin


def _env_names(var: str) -> set[str] | None:
    raw = os.environ.get(var)
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


class PluginHost:
    """A typed facade over one pluggy ``PluginManager``."""

    def __init__(self, *, load_entrypoints: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._failures: list[PluginFailure] = []
        self._registry: Registry | None = None
        self._lock = threading.Lock()
        for modname in DEFAULT_PLUGINS:
            module = importlib.import_module(modname)
            self._register(module, modname, origin="builtin", version=None)
        if load_entrypoints:
            self._load_entrypoints()
        self.pm.check_pending()

    # -- loading ---------------------------------------------------------------------------
    def _register(self, plugin: object, name: str, *, origin: str, version: str | None) -> None:
        self.pm.register(plugin, name=name)
        hooks = tuple(sorted(h for h in HOOK_NAMES if callable(getattr(plugin, h, None))))
        self._infos[name] = PluginInfo(name=name, version=version, origin=origin, hooks=hooks)

    def _load_entrypoints(self) -> None:
        allow = _env_names("PBRULES_LOAD_PLUGINS")
        deny = _env_names("PBRULES_DISABLE_PLUGINS") or set()
        eps = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
        for ep in eps:
            if (allow is not None and ep.name not in allow) or ep.name in deny:
                continue
            dist = getattr(ep, "dist", None)
            where = f"{ep.value} (from {dist.name} {dist.version})" if dist else ep.value
            if self.pm.has_plugin(ep.name) or ep.name in self._infos:
                self._failures.append(
                    PluginFailure(
                        ep.name,
                        f"entry point {where} is not loaded: a plugin named {ep.name!r} "
                        "is already loaded",
                    )
                )
                continue
            try:
                plugin = ep.load()
            except BaseException as exc:  # a broken plugin is reported and skipped, never a crash
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self._failures.append(
                    PluginFailure(ep.name, f"cannot import {where}: {type(exc).__name__}: {exc}")
                )
                continue
            version = dist.version if dist is not None else None
            try:
                self._register(plugin, ep.name, origin="entrypoint", version=version)
                self.pm.check_pending()
            except Exception as exc:
                if self.pm.has_plugin(ep.name):
                    self.pm.unregister(name=ep.name)
                self._infos.pop(ep.name, None)
                self._failures.append(
                    PluginFailure(ep.name, f"invalid plugin {where}: {type(exc).__name__}: {exc}")
                )

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object at runtime (tests, embedding). Returns its name.

        Raises :class:`~pbrules.errors.PluginError` (and leaves nothing registered) when the
        plugin's hooks do not match the specifications, its name is taken, or its registrations
        fail (a duplicate name, a hook that raises).
        """
        name = (
            name or getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{id(plugin):x}"
        )
        with self._lock:
            if self.pm.has_plugin(name) or name in self._infos:
                raise PluginError(f"a plugin named {name!r} is already registered")
            try:
                self._register(plugin, name, origin="runtime", version=None)
            except ValueError as exc:  # pluggy: the same object registered twice
                raise PluginError(str(exc)) from exc
            self._registry = None
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.unregister(name)
            raise PluginError(f"plugin {name!r}: {exc}") from exc
        failures = [f for f in self.registry().failures if f.name == name]
        if failures:
            self.unregister(name)
            raise PluginError("; ".join(f.error for f in failures))
        return name

    def unregister(self, name: str) -> None:
        with self._lock:
            self.pm.unregister(name=name)
            self._infos.pop(name, None)
            self._registry = None

    # -- the registry -------------------------------------------------------------------------
    def _call(
        self,
        reg: Registry,
        hook_name: str,
        make_register: Callable[[str, list[Callable[[], None]]], Callable[..., None]],
    ) -> None:
        """Call every implementation of a ``register_*`` hook, one plugin at a time.

        A plugin's registrations are staged and committed only when its hook returns; a hook
        that raises is reported in ``reg.failures`` and registers nothing.
        """
        for plugin in self._implementers(hook_name):
            staged: list[Callable[[], None]] = []
            try:
                self.call_one(hook_name, plugin, register=make_register(plugin, staged))
            except Exception as exc:
                reg.failures.append(
                    PluginFailure(plugin, f"{hook_name} failed: {type(exc).__name__}: {exc}")
                )
                continue
            for commit in staged:
                try:
                    commit()
                except PluginError as exc:
                    reg.failures.append(PluginFailure(plugin, str(exc)))

    def _implementers(self, hook_name: str) -> list[str]:
        """The plugins implementing a hook, in registration order (built-ins, entry points,
        runtime plugins)."""
        return [impl.plugin_name for impl in getattr(self.pm.hook, hook_name).get_hookimpls()]

    def call_one(self, hook_name: str, plugin: str, **kwargs: Any) -> None:
        """Call one plugin's implementation of a hook, through pluggy."""
        others = [p for name, p in self.pm.list_name_plugin() if name != plugin and p is not None]
        self.pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs)

    def registry(self) -> Registry:
        """Everything registered, computed once and cached until plugins change."""
        with self._lock:
            if self._registry is None:
                self._registry = self._build()
            return self._registry

    def _build(self) -> Registry:
        reg = Registry()
        reg.failures = list(self._failures)

        def stager(
            kind: str, table: dict[str, Any], check: Callable[[str, Any, str], str]
        ) -> Callable[[str, list[Callable[[], None]]], Callable[..., None]]:
            def make(plugin: str, staged: list[Callable[[], None]]) -> Callable[..., None]:
                def register(value: Any) -> None:
                    name = check(plugin, value, kind)
                    staged.append(lambda: reg._add(kind, table, name, value, plugin))

                return register

            return make

        def packs(plugin: str, staged: list[Callable[[], None]]) -> Callable[..., None]:
            def register(pack_id: str, path: Path | str) -> None:
                if not isinstance(pack_id, str) or not isinstance(path, str | Path):
                    raise PluginError("register(pack_id, path) needs a text id and a path")
                staged.append(lambda: reg._add("pack", reg.packs, pack_id, Path(path), plugin))

            return register

        def extensions(plugin: str, staged: list[Callable[[], None]]) -> Callable[..., None]:
            def register(name: str, model: type[BaseModel]) -> None:
                if not (isinstance(model, type) and issubclass(model, BaseModel)):
                    raise PluginError(
                        f"plugin {plugin!r}: extension {name!r} must be a pydantic model class"
                    )
                staged.append(lambda: reg._add("extension", reg.extensions, name, model, plugin))

            return register

        self._call(reg, "register_checkers", stager("checker", reg.checkers, _check_checker))
        self._call(reg, "register_readers", stager("reader", reg.readers, _check_named))
        self._call(reg, "register_exporters", stager("exporter", reg.exporters, _check_named))
        self._call(reg, "register_packs", packs)
        self._call(reg, "register_snapshot_extensions", extensions)
        reg.plugins = sorted(self._infos.values(), key=lambda i: (i.origin != "builtin", i.name))
        return reg

    def add_commands(self, cli: click.Group) -> list[PluginFailure]:
        """Let every plugin add its commands to ``cli``; a plugin that raises is skipped.

        Returns the failures (also kept for :meth:`registry`'s ``failures``).
        """
        failures: list[PluginFailure] = []
        for plugin in self._implementers("register_commands"):
            try:
                self.call_one("register_commands", plugin, cli=cli)
            except Exception as exc:
                failures.append(
                    PluginFailure(plugin, f"register_commands failed: {type(exc).__name__}: {exc}")
                )
        if failures:
            with self._lock:
                self._failures.extend(failures)
                self._registry = None
        return failures


def _check_named(plugin: str, value: Any, kind: str) -> str:
    name = getattr(value, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginError(f"plugin {plugin!r} registered a {kind} without a name")
    return name


def _check_checker(plugin: str, value: Any, kind: str) -> str:
    name = _check_named(plugin, value, kind)
    params = getattr(value, "Params", None)
    if not (isinstance(params, type) and issubclass(params, BaseModel)):
        raise PluginError(f"checker {name!r} of plugin {plugin!r} has no pydantic Params model")
    if not callable(getattr(value, "check", None)):
        raise PluginError(f"checker {name!r} of plugin {plugin!r} has no check() method")
    return name


_host: PluginHost | None = None
_host_lock = threading.Lock()


def get_host() -> PluginHost:
    """The process-wide plugin host, created on first use."""
    global _host
    with _host_lock:
        if _host is None:
            _host = PluginHost()
        return _host


def reset_host() -> None:
    """Forget the process-wide host (environment variables are read again on next use)."""
    global _host
    with _host_lock:
        _host = None


def get_registry() -> Registry:
    return get_host().registry()
