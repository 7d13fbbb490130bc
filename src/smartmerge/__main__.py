"""``python -m smartmerge`` (the form the git driver line uses) and the ``smartmerge`` script.

A merge (``smartmerge merge ...``, ``smartmerge BASE LEFT RIGHT``, git's ``--git``
driver calls) runs without typer: merge_command reads its arguments. Everything
else (help, the other commands, arguments it does not take) goes to typer's app.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def main(argv: Sequence[str] | None = None) -> Any:
    """Entry point of the ``smartmerge`` console script and of ``python -m smartmerge``."""
    from smartmerge.merge_command import merge_request, run_merge

    args = list(sys.argv[1:] if argv is None else argv)
    request = merge_request(args)
    if request is not None:
        sys.exit(run_merge(request))
    from smartmerge.cli import main as typer_main

    return typer_main(args)


if __name__ == "__main__":
    main()
