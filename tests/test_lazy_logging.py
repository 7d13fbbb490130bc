"""lazy_logging: a record that nobody can see costs no import of logging; every other
record comes out exactly as logging.getLogger(name) would print it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (whether logging is imported is per process)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False)


def test_debug_and_info_without_a_configured_logging_import_nothing_and_print_nothing() -> None:
    proc = python("""
        import sys
        from smartmerge import lazy_logging
        log = lazy_logging.getLogger("smartmerge.pipeline")
        log.debug("parse %.1f ms", 1.0)
        log.info("info")
        print("logging" in sys.modules, log.isEnabledFor(lazy_logging.DEBUG), "logging" in sys.modules)
    """)
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("False False False\n", "")


def test_a_warning_with_no_handler_reaches_stderr_through_loggings_last_resort() -> None:
    proc = python("""
        from smartmerge import lazy_logging
        log = lazy_logging.getLogger("smartmerge.checking_semantics")
        try:
            {}["key"]
        except KeyError:
            log.warning("the semantic cross-check failed: %s", "why", exc_info=True)
        log.error("an error")
    """)
    assert proc.returncode == 0
    lines = proc.stderr.splitlines()
    assert lines[0] == "the semantic cross-check failed: why"
    assert lines[1] == "Traceback (most recent call last):"
    assert "KeyError: 'key'" in lines
    assert lines[-1] == "an error"


def test_after_basic_config_every_level_goes_to_logging_and_names_the_caller() -> None:
    proc = python("""
        import logging
        from smartmerge import lazy_logging
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s %(funcName)s: %(message)s")
        log = lazy_logging.getLogger("smartmerge.pipeline")

        def merge_texts():
            log.debug("parse %.1f ms", 1.25)
            log.info("info")
            log.log(logging.DEBUG, "at a level")

        merge_texts()
        print(log.isEnabledFor(logging.DEBUG))
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "DEBUG smartmerge.pipeline merge_texts: parse 1.2 ms",
        "INFO smartmerge.pipeline merge_texts: info",
        "DEBUG smartmerge.pipeline merge_texts: at a level",
    ]
    assert proc.stdout == "True\n"


def test_a_level_set_after_logging_was_imported_is_obeyed() -> None:
    # logging imported (by anyone) may hold a configuration: the logger asks it
    proc = python("""
        import logging
        from smartmerge import lazy_logging
        logging.getLogger("smartmerge").setLevel(logging.ERROR)
        logging.basicConfig(format="%(message)s")
        log = lazy_logging.getLogger("smartmerge.pipeline")
        log.warning("dropped")
        log.error("kept")
    """)
    assert proc.stderr == "kept\n"
