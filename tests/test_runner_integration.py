"""The runner never loses landed work, names the task that broke the build, and says
what did not land (issue 14, items 1-3): real repositories, real runs, real gates.

Nothing here races a sleep: a task that must still be running while the test acts
waits for a file the test creates, after the task has said (with a file) that it runs.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMARTMERGE
from runner_repo import (
    FUNCS,
    git,
    make_repo,
    module_with_functions,
    run_events,
    sed,
    show,
    smartmerge,
)

from smartmerge.runner import start_run
from smartmerge.runner.bisecting import first_failing, gate_budget
from smartmerge.runner.events import open_log
from smartmerge.runner.worktrees import RunnerHome

# pytest as the gate, without a cache folder in the integration worktree
PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"


def waits_for(started: Path, go: Path, then: str) -> str:
    """A task command that says it runs, waits until the test lets it go, then acts."""
    return f"touch {started}; while [ ! -f {go} ]; do sleep 0.05; done; {then}"


def wait_for_file(path: Path, proc: subprocess.Popen[str], limit: float = 120.0) -> None:
    """Wait until ``path`` exists (a task wrote it); fail early if the run ended first."""
    deadline = time.monotonic() + limit
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run ended before {path.name} appeared: {out}{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{path.name} did not appear in {limit:g} s")
        time.sleep(0.02)


def run_in_background(repo: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*SMARTMERGE, "run", "--plain", *args], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def latest_run(repo: Path) -> str:
    return str(json.loads(smartmerge(repo, "status", "--json").stdout)["run"])


# --- item 1: work already on the target is never overwritten


# The gate prefers the task's version of beta (one more test passes with 22 than with 11),
# so ranking the task against the colleague's commit would keep the task's and drop the commit.
RANKING_TESTS = """\
import pytest

import mod


def test_beta_is_set():
    assert mod.beta() in (11, 22)


def test_beta_is_22():
    if mod.beta() != 22:
        pytest.skip("beta is not 22")
"""


def test_a_colleagues_commit_during_the_run_is_kept_and_the_clashing_task_conflicts(tmp_path: Path) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS), "test_mod.py": RANKING_TESTS}, f"""
        [run]
        gate = "{PYTEST} test_mod.py"
        [tasks.edit]
        cmd = "{waits_for(started, go, sed('return 1', 'return 22'))}"
        [tasks.other]
        cmd = "echo o > other.txt"
        """)
    proc = run_in_background(repo)
    wait_for_file(started, proc)
    # a colleague commits to main in the user's checkout while the task runs
    (repo / "mod.py").write_text((repo / "mod.py").read_text().replace("return 1", "return 11"))
    git(repo, "commit", "-qam", "colleague: beta is 11")
    colleague = git(repo, "rev-parse", "main")
    go.touch()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, out + err

    text = show(repo, "main", "mod.py")
    assert "return 11" in text and "return 22" not in text
    assert git(repo, "merge-base", "--is-ancestor", colleague, "main") == ""  # check=True: it is
    assert show(repo, "main", "other.txt") == "o"
    status = json.loads(smartmerge(repo, "status", "--json").stdout)
    edit = status["tasks"]["edit"]
    assert edit["state"] == "conflicted"
    assert "clashes with work that landed on main during the run" in edit["reason"] and "beta" in edit["reason"]
    assert status["tasks"]["other"]["state"] == "integrated"
    assert "not landed: edit (conflicted" in out
    # the user's checkout followed the landing and shows no reversed work
    assert git(repo, "status", "--porcelain") == ""


def test_two_runs_in_one_repository_take_turns_and_the_second_keeps_the_firsts_work(tmp_path: Path) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [tasks.first]
        cmd = "{waits_for(started, go, sed('return 0', 'return 100'))}"
        """)
    second_file = tmp_path / "second.toml"
    second_file.write_text(f'[tasks.second]\ncmd = "{sed("return 3", "return 400")}"\n')
    first = run_in_background(repo)
    wait_for_file(started, first)
    run_id = latest_run(repo)

    refused = smartmerge(repo, "run", "--plain", "-f", str(second_file))
    assert refused.returncode != 0
    assert f"another run ({run_id}, pid {first.pid}) holds the lock" in refused.stderr
    with open_log(RunnerHome.of(repo).db) as log:
        assert log.runs() == [run_id]  # the refused run left nothing behind

    go.touch()
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, out + err
    again = smartmerge(repo, "run", "--plain", "-f", str(second_file))
    assert again.returncode == 0, again.stdout + again.stderr
    text = show(repo, "main", "mod.py")
    assert "return 100" in text and "return 400" in text


# --- item 2: a gate-resolved clash says whose work it discarded


def test_the_task_whose_clash_the_gate_resolved_against_it_is_superseded_and_the_run_fails(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [run]
        gate = "python -c 'import mod; assert mod.beta() == 22'"
        [tasks.first]
        cmd = "{sed('return 1', 'return 11')}"
        [tasks.second]
        cmd = "{sed('return 1', 'return 22')} && echo s > second.txt"
        [tasks.third]
        cmd = "{sed('return 3', 'return 33')}"
        """)
    proc = smartmerge(repo, "run", "--plain")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run = latest_run(repo)
    status = json.loads(smartmerge(repo, "status", "--json").stdout)
    tasks = status["tasks"]
    assert status["status"] == "landed"
    assert tasks["first"]["state"] == "superseded"
    assert "mod.py: beta" in tasks["first"]["reason"] and "second" in tasks["first"]["reason"]
    assert tasks["second"]["state"] == "integrated" and tasks["third"]["state"] == "integrated"
    superseded = [e for e in run_events(repo, run) if e.kind == "task_superseded"]
    assert [(e.task, e.data["symbols"], e.data["kept"]) for e in superseded] == [("first", ["mod.py: beta"], ["second"])]
    assert "not landed: first (superseded" in proc.stdout
    assert "superseded" in smartmerge(repo, "status").stdout
    text = show(repo, "main", "mod.py")
    assert "return 22" in text and "return 33" in text and "return 11" not in text


# --- item 3: one breaking task does not sink the run


CALC = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
CALC_TESTS = """\
from calc import add, mul


def test_add():
    assert add(2, 3) == 5


def test_mul():
    assert mul(2, 3) == 6
"""


def test_a_12_task_run_with_one_breaking_task_lands_the_other_11_and_names_the_culprit(tmp_path: Path) -> None:
    tasks = []
    for n in range(12):
        cmd = f"mkdir -p notes && echo {n} > notes/t{n:02d}.txt"
        if n == 7:
            cmd += " && sed -i 's/a + b/a - b/' calc.py"
        tasks.append(f'[tasks.t{n:02d}]\ncmd = "{cmd}"\n')
    repo = make_repo(tmp_path, {"calc.py": CALC, "test_calc.py": CALC_TESTS},
                     f'[run]\ngate = "{PYTEST} test_calc.py"\nmax_parallel = 4\n' + "".join(tasks))
    report = start_run(repo)
    assert report.status == "landed", report.message
    assert not report.ok
    states = {name: t.state for name, t in report.state.tasks.items()}
    assert states.pop("t07") == "failed"
    assert set(states.values()) == {"integrated"}
    culprit = report.state.tasks["t07"]
    assert culprit.reason.startswith("breaks the gate") and "test_calc::test_add" in culprit.reason
    assert "not landed: t07 (failed: breaks the gate" in report.message

    landed = git(repo, "ls-tree", "-r", "--name-only", "main", "notes").split()
    assert landed == [f"notes/t{n:02d}.txt" for n in range(12) if n != 7]
    assert show(repo, "main", "calc.py") == CALC.rstrip("\n")

    log = run_events(repo, report.run)
    failed = next(e for e in log if e.kind == "task_failed" and e.task == "t07")
    assert failed.data["tests"] == ["test_calc::test_add"] and failed.data["culprit"] is True
    purposes = [e.data["purpose"] for e in log if e.kind == "gate_started"]
    assert purposes.count("combined") == 1
    extra = len(purposes) - 1
    assert 1 <= extra <= math.ceil(math.log2(12)) + 1 == gate_budget(12), purposes
    # every gate run is recorded before it starts and after it ends
    assert len([e for e in log if e.kind in ("gate_passed", "gate_failed")]) == len(purposes)


def test_a_culprits_dependents_leave_with_it_and_a_gate_that_fails_on_the_target_blames_no_task(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path, {"calc.py": CALC, "test_calc.py": CALC_TESTS}, f"""
        [run]
        gate = "{PYTEST} test_calc.py"
        [tasks.good]
        cmd = "echo g > good.txt"
        [tasks.bad]
        cmd = "sed -i 's/a [*] b/a + b/' calc.py"
        [tasks.on_bad]
        cmd = "echo d > on_bad.txt"
        needs = ["bad"]
        [tasks.late]
        cmd = "echo l > late.txt"
        """)
    report = start_run(repo)
    tasks = report.state.tasks
    assert report.status == "landed", report.message
    assert tasks["bad"].state == "failed" and "test_calc::test_mul" in tasks["bad"].reason
    assert tasks["on_bad"].state == "blocked" and tasks["on_bad"].reason == "upstream bad failed"
    assert tasks["good"].state == "integrated" and tasks["late"].state == "integrated"
    files = git(repo, "ls-tree", "--name-only", "main").split()
    assert "good.txt" in files and "late.txt" in files and "on_bad.txt" not in files

    # now main itself fails the gate: no task is blamed, nothing lands
    (repo / "calc.py").write_text(CALC.replace("a * b", "a ** b"))
    git(repo, "commit", "-qam", "break mul on main")
    (repo / "smartmerge.toml").write_text(f'[run]\ngate = "{PYTEST} test_calc.py"\n'
                                          '[tasks.one]\ncmd = "echo 1 > one.txt"\n'
                                          '[tasks.two]\ncmd = "echo 2 > two.txt"\n')
    git(repo, "commit", "-qam", "new task file")
    before = git(repo, "rev-parse", "main")
    report = start_run(repo)
    assert report.status == "gate_failed"
    assert "the gate fails on main itself" in report.message
    assert {t.state for t in report.state.tasks.values()} == {"integrated"}
    assert not any(e.kind == "task_failed" for e in run_events(repo, report.run))
    assert git(repo, "rev-parse", "main") == before


def test_a_task_that_breaks_the_gate_only_on_the_moved_target_is_found_on_it(tmp_path: Path) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    repo = make_repo(tmp_path, {"calc.py": CALC, "test_calc.py": CALC_TESTS}, f"""
        [run]
        gate = "{PYTEST}"
        [tasks.a]
        cmd = "echo a > a.txt"
        [tasks.bad]
        cmd = "printf 'def test_square():\\n    from calc import mul\\n\\n    assert mul(3, 3) == 9\\n' > test_square.py"
        [tasks.slow]
        cmd = "{waits_for(started, go, 'echo s > slow.txt')}"
        """)
    proc = run_in_background(repo)
    wait_for_file(started, proc)
    # a colleague removes mul (and its test) while the run goes on: bad's new test now fails
    (repo / "calc.py").write_text(CALC.split("\n\n\ndef mul")[0] + "\n")
    tests = CALC_TESTS.split("\n\n\ndef test_mul")[0].replace("import add, mul", "import add")
    (repo / "test_calc.py").write_text(tests + "\n")
    git(repo, "commit", "-qam", "colleague: no more mul")
    go.touch()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, out + err
    run = latest_run(repo)
    status = json.loads(smartmerge(repo, "status", "--json").stdout)
    assert status["status"] == "landed", out
    tasks = status["tasks"]
    assert tasks["bad"]["state"] == "failed" and tasks["bad"]["reason"].startswith("breaks the gate")
    assert tasks["a"]["state"] == "integrated" and tasks["slow"]["state"] == "integrated"
    files = git(repo, "ls-tree", "--name-only", "main").split()
    assert "a.txt" in files and "slow.txt" in files and "test_square.py" not in files
    assert "def mul" not in show(repo, "main", "calc.py")  # the colleague's commit stands
    log = run_events(repo, run)
    failed = next(e for e in log if e.kind == "task_failed" and e.task == "bad")
    assert failed.data["tests"] == ["test_square::test_square"]
    purposes = [e.data["purpose"] for e in log if e.kind == "gate_started"]
    # passed on the run's base, failed on the moved target, then the search on the moved target
    assert purposes[:2] == ["combined", "combined"] and "bisect" in purposes and purposes[-1] == "verify"


PRICE_TESTS = CALC_TESTS + """

def test_price():
    from shop import price

    assert price() in (0, 10)  # the target passes; of the variants only 10 does
"""


def test_variants_are_chosen_on_a_tree_without_the_task_that_breaks_the_gate(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"calc.py": CALC, "shop.py": "def price():\n    return 0\n",
                                "test_calc.py": PRICE_TESTS}, f"""
        [run]
        gate = "{PYTEST} test_calc.py"
        [tasks.breaks]
        cmd = "sed -i 's/a + b/a - b/' calc.py"
        [tasks.price]
        variants = ["sed -i 's/return 0/return 20/' shop.py", "sed -i 's/return 0/return 10/' shop.py"]
        [tasks.after]
        cmd = "echo a > after.txt"
        """)
    report = start_run(repo)
    tasks = report.state.tasks
    assert report.status == "landed", report.message
    # without the culprit out of the way, every variant failed the gate ("no variant passes")
    assert tasks["price"].state == "integrated" and tasks["price"].variant == "price#2", tasks["price"].reason
    assert tasks["breaks"].state == "failed" and "test_calc::test_add" in tasks["breaks"].reason
    assert tasks["after"].state == "integrated"
    assert show(repo, "main", "shop.py") == "def price():\n    return 10"
    assert show(repo, "main", "calc.py") == CALC.rstrip("\n")
    purposes = [e.data["purpose"] for e in run_events(repo, report.run) if e.kind == "gate_started"]
    assert purposes[:2] == ["check", "check"]  # the tree before the choice, then the target alone


# the target and both clashing versions of beta pass; 22 passes one test more
BETA_TESTS = CALC_TESTS + """

def test_beta():
    from mod import beta

    assert beta() in (1, 11, 22)


def test_beta_is_22():
    import pytest

    from mod import beta

    if beta() != 22:
        pytest.skip("beta is not 22")
"""


def test_a_clash_is_ranked_on_a_tree_without_the_task_that_breaks_the_gate(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"calc.py": CALC, "mod.py": module_with_functions(FUNCS), "test_calc.py": BETA_TESTS},
                     f"""
        [run]
        gate = "{PYTEST} test_calc.py"
        [tasks.breaks]
        cmd = "sed -i 's/a + b/a - b/' calc.py"
        [tasks.first]
        cmd = "{sed('return 1', 'return 11')}"
        [tasks.second]
        cmd = "{sed('return 1', 'return 22')}"
        """)
    report = start_run(repo)
    tasks = report.state.tasks
    assert report.status == "landed", report.message
    # with breaks in the tree no candidate passed and the clash stayed a conflict
    assert tasks["breaks"].state == "failed" and "test_calc::test_add" in tasks["breaks"].reason
    assert tasks["second"].state == "integrated" and "clash resolved by the gate" in tasks["second"].reason
    assert tasks["first"].state == "superseded" and "mod.py: beta" in tasks["first"].reason
    text = show(repo, "main", "mod.py")
    assert "return 22" in text and "return 11" not in text
    assert show(repo, "main", "calc.py") == CALC.rstrip("\n")


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 12, 33])
def test_the_bisection_finds_the_first_failing_prefix_within_its_budget(size: int) -> None:
    for culprit in range(1, size + 1):
        calls: list[int] = []

        def passes(k: int, culprit: int = culprit, calls: list[int] = calls) -> bool:
            calls.append(k)
            return k < culprit

        assert first_failing(0, size, passes) == culprit
        assert len(calls) <= math.ceil(math.log2(size)) if size > 1 else not calls
