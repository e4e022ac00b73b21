"""pytest plugin (entry point ``pytest11``): rule-pack tests and fixtures for pbrules users."""

from __future__ import annotations
