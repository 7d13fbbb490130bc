"""smartmerge: a structured three-way merger.

The public API is ``merge_texts``; everything else is internal.
"""

from typing import TYPE_CHECKING

from smartmerge.options import MergeOptions
from smartmerge.result import Conflict, MergeResult, Method, Outcome

if TYPE_CHECKING:
    from smartmerge.pipeline import merge_texts

__version__ = "0.1.0"

__all__ = ["Conflict", "MergeOptions", "MergeResult", "Method", "Outcome", "__version__", "merge_texts"]


def __getattr__(name: str) -> object:
    # merge_texts brings the whole engine; importing any smartmerge module (the merge
    # driver's start-up, `SMARTMERGE=0`) should not pay for it before it is used
    if name == "merge_texts":
        from smartmerge.pipeline import merge_texts

        return merge_texts
    raise AttributeError(f"module 'smartmerge' has no attribute {name!r}")
