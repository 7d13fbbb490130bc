"""smartmerge: a structured three-way merger.

The public API is ``merge_texts``; everything else is internal.
"""

from smartmerge.options import MergeOptions
from smartmerge.pipeline import merge_texts
from smartmerge.result import Conflict, MergeResult, Method, Outcome

__version__ = "0.1.0"

__all__ = ["Conflict", "MergeOptions", "MergeResult", "Method", "Outcome", "__version__", "merge_texts"]
