"""python -m smartmerge (the form the git driver line uses)."""

from smartmerge.cli import main

main()
