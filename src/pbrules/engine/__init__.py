"""Evaluation: the per-snapshot index, the two passes, scoring and ranking."""
