"""``python -m smartmerge`` (the form the git driver line uses) and the ``smartmerge`` script.

Two answers come before typer loads: a merge (``smartmerge merge ...``,
``smartmerge BASE LEFT RIGHT``, git's ``--git`` driver calls; merge_command reads its
arguments) and ``status --json``, which machines poll (runner.status). Everything
else (help, the other commands, arguments neither takes) goes to typer's app.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def main(argv: Sequence[str] | None = None) -> Any:
    """Entry point of the ``smartmerge`` console script and of ``python -m smartmerge``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "status":
        from smartmerge.runner.status import fast_status

        handled = fast_status(args)
        if handled is not None:
            sys.exit(handled)
    from smartmerge.merge_command import merge_request, run_merge

    request = merge_request(args)
    if request is not None:
        sys.exit(run_merge(request))
    from smartmerge.cli import main as typer_main

    return typer_main(args)


if __name__ == "__main__":
    main()
