"""The runner: when two tasks clash on one function, the gate's ranking chooses (issue 6, part 6, in part)."""

from __future__ import annotations

from pathlib import Path

from runner_repo import make_repo, module_with_functions, show, smartmerge

from smartmerge.runner import start_run

FUNCS = ["alpha", "beta", "gamma", "delta"]


def sed(old: str, new: str, path: str = "mod.py") -> str:
    return f"sed -i 's/{old}/{new}/' {path}"


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
    assert {tasks["first"].state, tasks["second"].state} == {"integrated"}
    # whichever merged second clashed; the gate chose the version with return 22
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


def test_task_variants_are_refused_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for variants in ('["touch {m}", "touch {m}"]', "2", "0"):
        repo_root = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
        repo_root.mkdir()
        repo = make_repo(repo_root, {"mod.py": module_with_functions(FUNCS)}, f"""
            [run]
            gate = "true"
            [tasks.first]
            cmd = "touch {marker}"
            variants = {variants.format(m=marker)}
            [tasks.other]
            cmd = "touch {marker}"
            """)
        proc = smartmerge(repo, "run", "--plain")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "[tasks.first].variants:" in proc.stderr
        assert not marker.exists()
