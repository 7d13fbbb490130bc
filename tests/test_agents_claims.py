"""Symbol claims: the store every worktree shares, the command line, and two real
processes racing for one symbol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT
from git_helpers import BASE, Repo, smartmerge

from smartmerge.errors import InputError
from smartmerge.git.claims import ClaimHeld, ClaimStore, parse_ttl, split_target, symbols_overlap
from smartmerge.runner.scheduling import locks_conflict


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"app.py": BASE})
    return repo


def test_a_claim_blocks_others_until_released(repo: Repo) -> None:
    store = ClaimStore.for_repo(repo.root)
    store.claim("app.py", "one", "alice")
    with pytest.raises(ClaimHeld, match="claimed by alice"):
        store.claim("app.py", "one", "bob")
    # another symbol of the same file is free; renewing one's own claim is allowed
    store.claim("app.py", "two", "bob")
    store.claim("app.py", "one", "alice")
    assert [(c.symbol, c.owner) for c in store.active()] == [("two", "bob"), ("one", "alice")]
    with pytest.raises(ClaimHeld, match="not bob"):
        store.release("app.py", "one", "bob")
    assert store.release("app.py", "one", "alice") == 1
    store.claim("app.py", "one", "bob")


def test_a_claim_covers_what_is_inside_it_and_a_file_claim_covers_everything(repo: Repo) -> None:
    store = ClaimStore.for_repo(repo.root)
    store.claim("app.py", "Parser", "alice")
    with pytest.raises(ClaimHeld):
        store.claim("app.py", "Parser.parse", "bob")
    store.claim("app.py", "ParserError", "bob")  # a longer name is not inside Parser
    with pytest.raises(ClaimHeld):
        store.claim("app.py", "", "carol")  # the whole file holds Parser
    store.claim("other.py", "", "carol")
    with pytest.raises(ClaimHeld):
        store.claim("other.py", "f", "alice")


def test_an_expired_claim_blocks_nobody(repo: Repo) -> None:
    store = ClaimStore.for_repo(repo.root)
    now = time.time()
    store.claim("app.py", "one", "alice", ttl=60, now=now - 120)
    assert store.active() == []
    store.claim("app.py", "one", "bob")
    assert [c.owner for c in store.active()] == ["bob"]


def test_every_worktree_sees_the_same_claims(repo: Repo, tmp_path: Path) -> None:
    repo.git("worktree", "add", "-q", "-b", "agent", str(tmp_path / "agent"))
    proc = smartmerge("claim", "app.py::two", "--by", "agent-1", cwd=tmp_path / "agent")
    assert proc.returncode == 0, proc.stderr
    listed = smartmerge("claims", "--json", cwd=repo.root)
    assert listed.returncode == 0, listed.stderr
    claims = json.loads(listed.stdout)["claims"]
    assert [(c["file"], c["symbol"], c["by"]) for c in claims] == [("app.py", "two", "agent-1")]
    refused = smartmerge("claim", "app.py::two", "--by", "agent-2", cwd=repo.root)
    assert refused.returncode == 1
    assert "claimed by agent-1" in refused.stderr


def test_the_command_line_resolves_files_from_the_current_folder(repo: Repo) -> None:
    (repo.root / "pkg").mkdir()
    proc = smartmerge("claim", "mod.py::f", "--by", "a", "--ttl", "2h", cwd=repo.root / "pkg")
    assert proc.returncode == 0, proc.stderr
    claims = json.loads(smartmerge("claims", "--json", cwd=repo.root).stdout)["claims"]
    assert claims[0]["file"] == "pkg/mod.py"
    assert 7100 < claims[0]["expires_at"] - claims[0]["claimed_at"] <= 7200
    assert smartmerge("release", "--by", "a", "--all", cwd=repo.root).returncode == 0
    assert json.loads(smartmerge("claims", "--json", cwd=repo.root).stdout)["claims"] == []


def test_bad_claims_are_one_line_errors(repo: Repo) -> None:
    for args in (["claim", "app.py::not a name", "--by", "a"], ["claim", "app.py::f", "--by", "a", "--ttl", "soon"],
                 ["claim", "../outside.py::f", "--by", "a"], ["release", "app.py::f"]):
        proc = smartmerge(*args, cwd=repo.root)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("smartmerge: error:") and proc.stderr.count("\n") == 1


def test_ttl_and_targets_parse() -> None:
    assert parse_ttl("30m") == 1800 and parse_ttl("2h") == 7200 and parse_ttl("90") == 90
    with pytest.raises(InputError):
        parse_ttl("0s")
    assert split_target("a/b.py::C.d") == ("a/b.py", "C.d")
    assert split_target("a/b.py") == ("a/b.py", "")
    assert symbols_overlap("C", "C.d") and not symbols_overlap("C", "Cd") and symbols_overlap("", "x")


_RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from smartmerge.git.claims import ClaimHeld, ClaimStore

    repo, name, ready, gate, rounds = sys.argv[1:6]
    store = ClaimStore.for_repo(repo)
    Path(ready).write_text("ready")
    while not Path(gate).exists():
        time.sleep(0.001)  # spin on the gate file so that both processes claim at once
    results = []
    for n in range(int(rounds)):
        try:
            store.claim("app.py", f"symbol{n}", name)
            results.append("won")
        except ClaimHeld:
            results.append("lost")
    print(" ".join(results))
    """
)


def test_two_processes_claiming_one_symbol_at_once_exactly_one_wins(repo: Repo, tmp_path: Path) -> None:
    rounds = 40
    gate = tmp_path / "gate"
    procs = []
    for name in ("agent-a", "agent-b"):
        ready = tmp_path / f"{name}.ready"
        procs.append((ready, subprocess.Popen(
            [sys.executable, "-c", _RACER, str(repo.root), name, str(ready), str(gate), str(rounds)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )))
    # both have opened the store before either may claim
    while not all(ready.exists() for ready, _ in procs):
        assert all(proc.poll() is None for _, proc in procs), [proc.communicate() for _, proc in procs]
        time.sleep(0.001)
    gate.write_text("go")
    outcomes = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes.append(out.split())
    for n in range(rounds):
        assert sorted(o[n] for o in outcomes) == ["lost", "won"], n
    holders = {c.symbol: c.owner for c in ClaimStore.for_repo(repo.root).active()}
    assert len(holders) == rounds
    for n in range(rounds):
        winner = "agent-a" if outcomes[0][n] == "won" else "agent-b"
        assert holders[f"symbol{n}"] == winner


def test_runner_locks_accept_symbol_claims() -> None:
    assert locks_conflict(["app.py::Parser"], ["app.py::Parser.parse"])
    assert not locks_conflict(["app.py::Parser"], ["app.py::Lexer"])
    assert not locks_conflict(["app.py::Parser"], ["lexer.py::Parser"])
    assert locks_conflict(["src/app.py::Parser"], ["src/**"])
    assert not locks_conflict(["src/app.py::Parser"], ["docs/**"])
    assert locks_conflict(["src/*.py::f"], ["src/app.py::f"])
    assert not locks_conflict(["app.py::f"], ["db"])


def test_a_runner_task_waits_for_a_claim_held_outside_the_run(tmp_path: Path) -> None:
    from smartmerge.runner import run_states

    repo = Repo(tmp_path / "repo")
    repo.commit("base", {
        "app.py": BASE,
        "smartmerge.toml": '[tasks.edit]\ncmd = "echo ran > ran.txt"\nlocks = ["app.py::one"]\n',
    })
    store = ClaimStore.for_repo(repo.root)
    store.claim("app.py", "one", "alice")
    run = subprocess.Popen(
        [sys.executable, "-m", "smartmerge", "run", "--plain"], cwd=repo.root,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        reason = ""
        while "waiting for app.py::one, claimed by alice" not in reason:
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.05)  # polls the run's event log, written by the other process
            states = run_states(repo.root)
            reason = states[-1].tasks["edit"].reason if states else ""
        assert states[-1].tasks["edit"].state == "pending" and not (repo.root / "ran.txt").exists()
        store.release("app.py", "one", "alice")
        output, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 0, output
    assert "edit: waiting for app.py::one, claimed by alice" in output
    assert repo.git("show", "main:ran.txt").stdout == "ran\n"
