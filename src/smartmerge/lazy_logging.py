"""A logger that imports :mod:`logging` only when a record can go somewhere.

git starts the driver once per file, and ``import logging`` (with traceback, threading,
string and their imports) was a tenth of the standard library a clean driver call paid
for, to drop every debug line. Until something imports :mod:`logging`, no handler, level
or filter can have been set, so the root logger would be the default one: WARNING, no
handler. A debug or info record is then dropped, exactly as logging drops it, without
importing anything. A warning, an error or a log call after ``logging.basicConfig``
(``-v``) goes to ``logging.getLogger(name)`` as before, so the last-resort handler still
prints an unhandled warning on stderr.

Usage is logging's: ``log = lazy_logging.getLogger(__name__)`` then ``log.debug(...)``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    import logging
    from typing import Any

# logging's levels, spelt out so that checking one needs no import
DEBUG, INFO, WARNING, ERROR = 10, 20, 30, 40


class LazyLogger:
    """Forwards to ``logging.getLogger(name)``, importing logging only for records at
    WARNING and above or once logging is imported (a handler may then be configured)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def _logger(self, level: int) -> logging.Logger | None:
        """The real logger, or None when a record at ``level`` would be dropped unseen."""
        if "logging" not in sys.modules and level < WARNING:
            return None  # the default root logger: WARNING, no handler
        import logging  # imported before (a handler may be set), or needed for this record

        return logging.getLogger(self.name)

    def isEnabledFor(self, level: int) -> bool:  # logging's name, so call sites read the same
        logger = self._logger(level)
        return logger is not None and logger.isEnabledFor(level)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        self._at(level, msg, args, kwargs)

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        self._at(DEBUG, msg, args, kwargs)

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        self._at(INFO, msg, args, kwargs)

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None:
        self._at(WARNING, msg, args, kwargs)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        self._at(ERROR, msg, args, kwargs)

    def _at(self, level: int, msg: object, args: tuple[object, ...], kwargs: dict[str, Any]) -> None:
        logger = self._logger(level)
        if logger is not None:
            # the record names the caller of debug() or warning(), not this module
            kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 2
            logger.log(level, msg, *args, **kwargs)


def getLogger(name: str) -> LazyLogger:  # logging's name: log = lazy_logging.getLogger(__name__)
    return LazyLogger(name)
