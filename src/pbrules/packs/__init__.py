"""Criteria packs: the YAML format, its loader with positions, conditions and templates."""
