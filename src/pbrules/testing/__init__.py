"""Testing helpers shipped for users: hypothesis strategies, snapshot builders, fixtures.

- :mod:`pbrules.testing.strategies`: hypothesis strategies for snapshots and datasets.
- :mod:`pbrules.testing.pytest_plugin`: collects ``*.test.yaml`` rule-pack tests and provides
  the ``pbrules_plugin`` fixture (a temporary plugin registration).
"""
