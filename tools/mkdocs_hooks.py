"""MkDocs hooks for the docs site: links from docs/ to files elsewhere in the repository
(``../README.md``, ``../examples/district/README.md``) point at the repository instead of
failing the strict build; everything inside docs/ is still checked by MkDocs."""

from __future__ import annotations

import re
from typing import Any

_OUTSIDE = re.compile(r"\]\(\.\./(?P<target>[^)#\s]+)(?P<anchor>#[^)\s]*)?\)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    base = str(config.get("repo_url") or "").rstrip("/")
    if not base:
        return markdown

    def link(match: re.Match[str]) -> str:
        target = match.group("target")
        kind = "tree" if target.endswith("/") else "blob"
        return f"]({base}/{kind}/main/{target}{match.group('anchor') or ''})"

    return _OUTSIDE.sub(link, markdown)
