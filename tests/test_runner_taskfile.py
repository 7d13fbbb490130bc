"""The task file and the scheduling rules, without running anything."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

from smartmerge.errors import ConfigError
from smartmerge.runner.executing import TaskRequest, TaskResult
from smartmerge.runner.gitops import conflict_symbols
from smartmerge.runner.scheduling import (
    ReadyQueue,
    backoff_delay,
    globs_may_overlap,
    locks_conflict,
)
from smartmerge.runner.taskfile import parse_taskfile


def test_the_issue_example_loads() -> None:
    tf = parse_taskfile(
        """
        [run]
        target = "main"
        gate = "pytest -q"
        max_parallel = 8

        [tasks.schema]
        cmd = "python tools/gen_schema.py"

        [tasks.api]
        cmd = "agent --prompt-file prompts/api.md"
        needs = ["schema"]
        retries = 2
        timeout = "15m"
        """
    )
    assert tf.run.max_parallel == 8 and tf.run.gate == "pytest -q"
    assert tf.tasks["api"].needs == ("schema",)
    assert tf.tasks["api"].timeout == 900.0
    assert tf.tasks["api"].retries == 2


def test_a_cycle_is_printed_as_a_path() -> None:
    with pytest.raises(ConfigError, match=r"dependency cycle: a -> b -> a"):
        parse_taskfile('[tasks.a]\ncmd="x"\nneeds=["b"]\n[tasks.b]\ncmd="y"\nneeds=["a"]\n')


def test_a_longer_cycle_names_every_step() -> None:
    text = '[tasks.a]\ncmd="x"\nneeds=["b"]\n[tasks.b]\ncmd="y"\nneeds=["c"]\n[tasks.c]\ncmd="z"\nneeds=["a"]\n'
    with pytest.raises(ConfigError, match=r"a -> b -> c -> a"):
        parse_taskfile(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tasks.a]\ncmd="x"\ncommand="y"\n', "unknown key 'command'"),
        ('[run]\nparallel=2\n[tasks.a]\ncmd="x"\n', "unknown key 'parallel'"),
        ('[tasks.a]\ncmd="x"\nneeds=["nope"]\n', "unknown task 'nope'"),
        ('[tasks.a]\nneeds=[]\n', "missing key 'cmd'"),
        ('[tasks.a]\ncmd="x"\ntimeout="soon"\n', "expected a duration"),
        ('[task.a]\ncmd="x"\n', "unknown table [task]"),
        ('[tasks.a]\ncmd="x"\nretries=true\n', "wrong type"),
        ('[tasks.a]\ncmd="x"\nvariants=0\n', "[tasks.a].variants: a count must be from 1 to 16, got 0"),
        ('[tasks.a]\ncmd="x"\nvariants=-2\n', "a count must be from 1 to 16"),
        ('[tasks.a]\ncmd="x"\nvariants=17\n', "a count must be from 1 to 16"),
        ('[tasks.a]\ncmd="x"\nvariants=true\n', "[tasks.a].variants: wrong type bool"),
        ('[tasks.a]\ncmd="x"\nvariants="3"\n', "expected a count (variants = 3) or a list of commands"),
        ('[tasks.a]\ncmd="x"\nvariants=2.5\n', "expected a count"),
        ('[tasks.a]\ncmd="x"\nvariants=[]\n', "a list must hold 1 to 16 commands, got 0"),
        ('[tasks.a]\nvariants=["x", 3]\n', "a list must hold non-empty command strings"),
        ('[tasks.a]\nvariants=["x", " "]\n', "a list must hold non-empty command strings"),
        ('[tasks.a]\nvariants=2\n', "a count repeats the task's 'cmd', which is missing"),
    ],
)
def test_bad_task_files_are_rejected_with_the_place(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_taskfile(text)
    assert message in str(info.value)


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(7)
    draws = [backoff_delay(5, base=1.0, cap=3.0, rng=rng) for _ in range(200)]
    assert max(draws) <= 3.0
    assert len({round(d, 6) for d in draws}) > 100
    assert all(backoff_delay(1, base=1.0, cap=60.0, rng=rng) <= 1.0 for _ in range(50))


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ("migrations/**", "migrations/001.sql", True),
        ("migrations/*.sql", "migrations/*.py", True),  # conservative: both wild
        ("migrations/**", "docs/**", False),
        ("src/a/*.py", "src/b/*.py", False),
        ("**/*.sql", "db/schema.sql", True),
        ("migrations/", "migrations/x/y.sql", True),
    ],
)
def test_path_globs_overlap_when_a_path_can_match_both(a: str, b: str, overlap: bool) -> None:
    assert globs_may_overlap(a, b) is overlap
    assert globs_may_overlap(b, a) is overlap


def test_names_and_globs_are_different_kinds_of_lock() -> None:
    assert locks_conflict(["test-db"], ["test-db"])
    assert not locks_conflict(["test-db"], ["cache"])
    assert not locks_conflict(["test-db"], ["test-db/**"])


def test_the_ready_queue_keeps_lock_holders_apart() -> None:
    tf = parse_taskfile(
        '[run]\nmax_parallel=2\n'
        '[tasks.a]\ncmd="x"\nlocks=["db"]\n[tasks.b]\ncmd="x"\nlocks=["db"]\n'
        '[tasks.c]\ncmd="x"\n[tasks.d]\ncmd="x"\nneeds=["c"]\n'
    )
    queue = ReadyQueue(tf.tasks, tf.run.max_parallel)
    assert queue.take() == ["a", "c"]  # b waits for the lock, d for c
    queue.settle("c")
    assert queue.take() == ["d"]  # c's slot went to d; b still waits for a's lock
    queue.settle("a")
    assert queue.take() == ["b"]
    assert queue.running == {"b", "d"}


def test_the_executor_boundary_is_picklable() -> None:
    request = TaskRequest(
        run="r", task="t", cmd="true", repo="/r", base_commit="0" * 40, branch="b", worktree="/w",
        log="/l", pid_file="/p", attempt=1, slot=0, port=1234, timeout=2.0, env=(("A", "1"),),
    )
    result = TaskResult("t", 1, True, "1" * 40, 0, False, 0.5, 0.1, "done")
    assert pickle.loads(pickle.dumps(request)) == request
    assert pickle.loads(pickle.dumps(result)) == result


def test_conflict_regions_are_named_by_their_enclosing_symbol(tmp_path: Path) -> None:
    text = (
        "class C:\n    def m(self):\n<<<<<<< left\n        return 1\n=======\n        return 2\n>>>>>>> right\n\n"
        "def f():\n    pass\n\n<<<<<<< left\nX = 1\n=======\nX = 2\n>>>>>>> right\n"
        "<<<<<<< left\ndef g():\n    return 1\n=======\ndef g():\n    return 2\n>>>>>>> right\n"
    )
    (tmp_path / "m.py").write_text(text)
    assert conflict_symbols(tmp_path / "m.py", "m.py") == ["m.py: C.m", "m.py: <module>", "m.py: g"]


def test_variants_expand_into_one_task_per_variant_and_the_task_that_chooses() -> None:
    from smartmerge.runner.taskfile import expand_variants

    spec = parse_taskfile('[tasks.a]\ncmd="x"\nvariants=2\nlocks=["db"]\n[tasks.b]\nvariants=["p", "q"]\nneeds=["a"]\n')
    assert spec.tasks["a"].variants == ("x", "x") and spec.tasks["b"].variants == ("p", "q")
    tasks = expand_variants(spec.tasks)
    assert list(tasks) == ["a#1", "a#2", "a", "b#1", "b#2", "b"]
    assert tasks["a#2"].cmd == "x" and tasks["a#2"].locks == ("db",) and not tasks["a#2"].variants
    assert tasks["b#2"].cmd == "q" and tasks["b#2"].needs == ("a",)
    assert tasks["b"].needs == ("a", "b#1", "b#2") and tasks["b"].locks == ()
