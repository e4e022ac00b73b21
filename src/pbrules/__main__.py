"""``python -m pbrules``: the ``pbrules`` command (for an environment whose scripts are not on
PATH, and for profilers: ``python -m cProfile -m pbrules evaluate ...``)."""

from pbrules.cli import main

if __name__ == "__main__":
    main()
