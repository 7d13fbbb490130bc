"""The runner: when two tasks clash on one function, the gate's ranking chooses (issue 6, part 6, in part)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runner_repo import FUNCS, make_repo, module_with_functions, sed, show, smartmerge

from smartmerge.runner import start_run
from smartmerge.runner.events import open_log
from smartmerge.runner.worktrees import RunnerHome


def test_two_tasks_that_clash_on_a_function_are_ranked_by_the_gate(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [run]
        gate = "python -c 'import mod; assert mod.beta() == 22'"
        [tasks.first]
        cmd = "{sed('return 1', 'return 11')}"
        [tasks.second]
        cmd = "{sed('return 1', 'return 22')}"
        """)
    report = start_run(repo)
    assert report.status == "landed", report.message
    tasks = report.state.tasks
    # second merges after first (file order) and clashes; the gate chose its version (return 22),
    # so first's change to beta is not landed: first is superseded, and the run is not ok (issue 14)
    assert tasks["second"].state == "integrated" and tasks["first"].state == "superseded"
    assert "mod.py: beta" in tasks["first"].reason and "second" in tasks["first"].reason
    assert not report.ok
    ranked = [t for t in tasks.values() if t.reason.startswith("clash resolved by the gate")]
    assert len(ranked) == 1 and "mod.py: beta=" in ranked[0].reason
    assert "the only candidate that passes the tests" in ranked[0].reason
    assert "return 22" in show(repo, "main", "mod.py") and "return 11" not in show(repo, "main", "mod.py")
    status = smartmerge(repo, "status")
    assert "clash resolved by the gate" in status.stdout


def test_a_clash_the_gate_cannot_decide_stays_a_conflict(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [run]
        gate = "true"
        [tasks.first]
        cmd = "{sed('return 1', 'return 11')}"
        [tasks.second]
        cmd = "{sed('return 1', 'return 22')}"
        """)
    report = start_run(repo)
    states = sorted(t.state for t in report.state.tasks.values())
    assert states == ["conflicted", "integrated"]
    conflicted = next(t for t in report.state.tasks.values() if t.state == "conflicted")
    assert "ranked by the gate: mod.py: tie: 2 candidates pass" in conflicted.reason



SHOP = "def price():\n    return 0\n"
# the gate passes only when price() is 10
PRICE_GATE = "python -c 'import shop; assert shop.price() == 10'"


def write_price(value: int) -> str:
    return f"sed -i \\\"s/return 0/return {value}/\\\" shop.py"


def test_the_gate_chooses_the_variant_that_lands(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"shop.py": SHOP}, f"""
        [run]
        gate = "{PRICE_GATE}"
        [tasks.price]
        variants = ["{write_price(7)}", "{write_price(10)}"]
        [tasks.after]
        cmd = "grep -q 'return 10' shop.py && echo ok > after.txt"
        needs = ["price"]
        """)
    report = start_run(repo)
    assert report.status == "landed" and report.ok, report.message
    assert "return 10" in show(repo, "main", "shop.py")
    # the dependent started from the chosen variant's work
    assert show(repo, "main", "after.txt") == "ok"
    with open_log(RunnerHome.of(repo).db) as log:
        chosen = [e for e in log.events(report.run) if e.kind == "variant_chosen"]
    assert len(chosen) == 1 and chosen[0].task == "price"
    data = chosen[0].data
    assert data["variant"] == "price#2" and "the only variant that passes the gate" in data["reason"]
    assert [(r["variant"], r["passed"]) for r in data["results"]] == [("price#1", False), ("price#2", True)]
    status = json.loads(smartmerge(repo, "status", "--json").stdout)
    assert status["tasks"]["price"]["variant"] == "price#2"
    assert "variant price#2 chosen by the gate" in status["tasks"]["price"]["reason"]
    assert status["tasks"]["price"]["state"] == "integrated"
    assert "variant price#2 chosen by the gate" in smartmerge(repo, "status").stdout


def test_a_tie_between_passing_variants_goes_to_the_lowest_number(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"shop.py": SHOP}, f"""
        [run]
        gate = "{PRICE_GATE}"
        [tasks.price]
        cmd = "{write_price(10)} && echo $SMARTMERGE_TASK > who.txt"
        variants = 2
        """)
    report = start_run(repo)
    assert report.status == "landed" and report.ok, report.message
    assert show(repo, "main", "who.txt") == "price#1"
    assert report.state.tasks["price"].variant == "price#1"
    assert "2 variants pass the gate; the lowest-numbered one wins" in report.state.tasks["price"].reason


def test_when_no_variant_passes_nothing_of_the_task_lands(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"shop.py": SHOP}, f"""
        [run]
        gate = "{PRICE_GATE}"
        [tasks.price]
        variants = ["{write_price(7)}", "{write_price(8)}"]
        [tasks.after]
        cmd = "echo ok > after.txt"
        needs = ["price"]
        """)
    report = start_run(repo)
    tasks = report.state.tasks
    assert tasks["price"].state == "failed" and "no variant passes the gate" in tasks["price"].reason
    assert tasks["after"].state == "blocked" and tasks["after"].reason == "upstream price failed"
    assert report.status == "nothing_to_land" and not report.ok
    assert "return 0" in show(repo, "main", "shop.py")


def test_without_a_gate_the_first_variant_that_succeeded_lands_and_a_failed_one_blocks_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"shop.py": SHOP}, f"""
        [tasks.price]
        variants = ["exit 3", "{write_price(10)}", "{write_price(7)}"]
        [tasks.after]
        cmd = "echo ok > after.txt"
        needs = ["price"]
        """)
    report = start_run(repo)
    assert report.status == "landed" and report.ok, report.message
    tasks = report.state.tasks
    assert tasks["price#1"].state == "failed" and tasks["price#3"].state == "succeeded"
    assert tasks["price"].variant == "price#2" and "no gate" in tasks["price"].reason
    assert "return 10" in show(repo, "main", "shop.py") and show(repo, "main", "after.txt") == "ok"

@pytest.mark.parametrize(
    ("variants", "message"),
    [("0", "a count must be from 1 to 16"), ("[]", "a list must hold 1 to 16 commands"), ('"3"', "expected a count")],
)
def test_invalid_variants_are_rejected_before_anything_runs(tmp_path: Path, variants: str, message: str) -> None:
    marker = tmp_path / "ran"
    repo = make_repo(tmp_path, {"shop.py": SHOP}, f"""
        [tasks.price]
        cmd = "touch {marker}"
        variants = {variants}
        [tasks.other]
        cmd = "touch {marker}"
        """)
    proc = smartmerge(repo, "run", "--plain")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"[tasks.price].variants: {message}" in proc.stderr
    assert not marker.exists()
