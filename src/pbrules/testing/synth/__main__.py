"""``python -m pbrules.testing.synth``: the generator's command line."""

from pbrules.testing.synth.cli import main

raise SystemExit(main())
