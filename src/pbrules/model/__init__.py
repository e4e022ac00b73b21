"""The data model: snapshots (input), periods, outcomes and result documents (output).

This package imports nothing else of pbrules.
"""
