"""Ranking by tests: candidate resolutions of a conflict, chosen by the project's tests.

``rank_file`` (resolving.py) is the entry point; ``RunSettings`` says which command
runs, with what time limit and how many candidates at once.
"""

from smartmerge.ranking.candidates import MAX_CANDIDATES
from smartmerge.ranking.resolving import Ranking, rank_file
from smartmerge.ranking.running import DEFAULT_PARALLEL, DEFAULT_RANK_TIMEOUT, RunSettings

__all__ = ["DEFAULT_PARALLEL", "DEFAULT_RANK_TIMEOUT", "MAX_CANDIDATES", "Ranking", "RunSettings", "rank_file"]
