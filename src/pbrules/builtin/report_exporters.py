"""Built-in exporters of the quarterly review material (md, html, docx, xlsx)."""

from __future__ import annotations
