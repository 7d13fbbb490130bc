"""SmartmergeError and its few subclasses.

Stages raise these; ``cli.py`` (the one place errors become exit codes) turns
them into a one-line message and exit status 2. Inside the pipeline,
``ParseFailed`` and ``CheckFailed`` are caught and turned into the fallback.
"""

from __future__ import annotations


class SmartmergeError(Exception):
    """Base class: something the user should read as one line."""


class InputError(SmartmergeError):
    """An input file is missing, unreadable or unusable."""


class ParseFailed(SmartmergeError):
    """A revision could not be parsed into a tree (the merge falls back)."""


class CheckFailed(SmartmergeError):
    """A structured result failed the self-check (the merge falls back)."""


class MergeTimeout(SmartmergeError):
    """The structured merge ran past its time limit (the merge falls back)."""


class ConfigError(SmartmergeError):
    """A configuration file (grammar profile, task file) is invalid."""
