"""No cyclic garbage collection while a merge runs.

A merge builds trees it drops again without reference cycles (syntax trees, Node
trees, their texts), so reference counting frees them; the cyclic collector only
re-scans them. Its full collections scan every live object, and a merge of a
50,000-line module holds a few million: they took half of that merge's CPU time
(issue 15). ``merge_texts`` runs inside ``collection_paused()``; the collector runs
again once the last merge of the process has ended (merges in other threads hold
it off together), and only if it was on before.
"""

from __future__ import annotations

import _thread
import gc
from collections.abc import Iterator
from contextlib import contextmanager

# _thread (the documented low-level API) gives threading's lock without threading's import
_LOCK = _thread.allocate_lock()
_running = 0  # merges inside collection_paused(), in every thread
_was_enabled = False  # the collector's state when the first of them began


@contextmanager
def collection_paused() -> Iterator[None]:
    global _running, _was_enabled
    with _LOCK:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _LOCK:
            _running -= 1
            if _running == 0 and _was_enabled:
                gc.enable()
