"""``python -m pbrules.synth``: the seeded example-data generator, kept under its old name.

The generator lives in :mod:`pbrules.testing.synth`; this module re-exports its public names
and runs its command line with the same options.
"""

from __future__ import annotations

from pbrules.testing.synth import (
    DEFAULT_SEED,
    EXAMPLE_PERIODS,
    OrgSpec,
    district_specs,
    dues_rate,
    dumps,
    example_snapshots,
    generic_snapshots,
    main,
    planted,
    write_example,
    write_jsonl,
)

__all__ = [
    "DEFAULT_SEED",
    "EXAMPLE_PERIODS",
    "OrgSpec",
    "district_specs",
    "dues_rate",
    "dumps",
    "example_snapshots",
    "generic_snapshots",
    "main",
    "planted",
    "write_example",
    "write_jsonl",
]

if __name__ == "__main__":
    raise SystemExit(main())
