"""``python -m benchmarks``: pin the thread pools, then run the suite.

The thread-count variables must be in the environment before NumPy is first
imported, so ``--threads`` is read here, before anything imports NumPy.
"""

from __future__ import annotations

import sys

from benchmarks import pin_thread_env


def _threads(argv: list[str]) -> int:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
        else:
            continue
        try:
            return max(1, int(value))
        except ValueError:
            break  # argparse reports it
    return 1


if __name__ == "__main__":
    pin_thread_env(_threads(sys.argv[1:]))
    from benchmarks.run import main

    sys.exit(main())
