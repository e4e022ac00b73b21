"""Built-in checkers, registered through ``register_checkers`` like any plugin's."""

from __future__ import annotations
