"""smartmerge: a structured three-way merger.

The public API is ``merge_texts``; everything else is internal.
"""

# typing itself costs start-up; mypy reads any name TYPE_CHECKING as true
TYPE_CHECKING = False
if TYPE_CHECKING:
    from smartmerge.options import MergeOptions
    from smartmerge.pipeline import merge_texts
    from smartmerge.result import Conflict, MergeResult, Method, Outcome

__version__ = "0.1.0"

__all__ = ["Conflict", "MergeOptions", "MergeResult", "Method", "Outcome", "__version__", "merge_texts"]

# where each public name lives: imported when first asked for, so that importing any
# smartmerge module (the merge driver's start-up, `SMARTMERGE=0`) pays for none of them
_PUBLIC = {
    "MergeOptions": "smartmerge.options",
    "Conflict": "smartmerge.result",
    "MergeResult": "smartmerge.result",
    "Method": "smartmerge.result",
    "Outcome": "smartmerge.result",
    "merge_texts": "smartmerge.pipeline",
}


def __getattr__(name: str) -> object:
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'smartmerge' has no attribute {name!r}")
