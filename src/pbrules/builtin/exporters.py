"""Built-in exporters (registered through the plugin hooks)."""

from __future__ import annotations
