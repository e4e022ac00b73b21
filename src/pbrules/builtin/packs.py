"""Built-in packs (registered through the plugin hooks)."""

from __future__ import annotations
