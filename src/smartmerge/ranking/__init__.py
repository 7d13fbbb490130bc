"""Ranking by tests: candidate resolutions of a conflict, chosen by the project's tests.

Entry point: ``smartmerge.ranking.resolving.rank_file``, with
``smartmerge.ranking.running.RunSettings`` (the command, its time limit, how many
candidates at once). This package root holds only the defaults, so that the command
line (and with it the merge driver, started once per file) does not import the
ranking machinery until ``solve --rank-by`` needs it.
"""

import os

# Default bound on the number of candidates a ranking runs (each is one test run, two
# when it fails and is repeated). 32 covers every combination of five symbols with two
# variants each; more symbols switch to the per-symbol plan, which costs one run per
# variant that differs from left's plus two (all-left and the final combination)
# instead of their product: up to 30 symbols with two variants each.
MAX_CANDIDATES = 32
# Default time limit of one test run of one candidate, in seconds.
DEFAULT_RANK_TIMEOUT = 120.0
# Candidates run at once by default: the machine's cores, at most 4 (test suites are
# often parallel themselves, and each run also holds a copy of the project).
DEFAULT_PARALLEL = max(1, min(4, os.cpu_count() or 1))

__all__ = ["DEFAULT_PARALLEL", "DEFAULT_RANK_TIMEOUT", "MAX_CANDIDATES"]
