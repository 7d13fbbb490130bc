"""``python -m smartmerge`` (the form the git driver line uses) and the ``smartmerge`` script.

Three answers come before typer loads: a driver call with ``SMARTMERGE=0`` that git's
line merge settles cleanly (git/off_switch.py, which imports almost nothing; the driver
line ``smartmerge install`` writes answers most of these in the shell, before Python
starts, and this one takes an older line or a value its ``case`` misses), a merge (``smartmerge merge ...``,
``smartmerge BASE LEFT RIGHT``, git's ``--git`` driver calls; merge_command reads its
arguments) and ``status --json``, which machines poll (runner.status). Everything
else (help, the other commands, arguments neither takes) goes to typer's app.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing and collections.abc cost start-up; mypy reads the name as true
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> object:
    """Entry point of the ``smartmerge`` console script and of ``python -m smartmerge``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--git" in args:
        from smartmerge.git.off_switch import merge_off

        done = merge_off(args)
        if done is not None:
            sys.exit(done)
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
