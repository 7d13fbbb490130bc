"""python -m smartmerge (the form the git driver line uses)."""

import sys

from smartmerge.runner.status import fast_status

# ``status --json`` is polled by machines: answered before the command line (typer) loads
if fast_status(sys.argv[1:]) is None:
    from smartmerge.cli import main

    main()
