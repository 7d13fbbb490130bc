"""Ranking by tests: real repositories, real pytest runs in throwaway copies."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from git_helpers import Repo, smartmerge

from smartmerge.options import MergeOptions
from smartmerge.ranking.candidates import Candidate, Variant, conflicted, plan
from smartmerge.ranking.choosing import choose_per_symbol
from smartmerge.ranking.resolving import rank_file
from smartmerge.ranking.running import (
    FAILED,
    PASSED,
    Evaluation,
    RunResult,
    RunSettings,
    evaluate_all,
)
from smartmerge.tree import Revision

PYTEST = f"{sys.executable} -m pytest -q"


def shop(price_body: str) -> str:
    return f"def price(amount, rate):\n    {price_body}\n\n\ndef other():\n    return 1\n"


BASE = shop("return amount * rate")
ROUNDED = shop("return round(amount * rate, 2)")
CLAMPED = shop("return amount * rate if amount >= 0 else 0")
TEST_PRICE = "from shop import price\n\n\ndef test_price():\n    assert price(100, 0.5) == 50\n"
TEST_NEGATIVE = "from shop import price\n\n\ndef test_negative():\n    assert price(-5, 2) == 0\n"
TEST_ROUNDS = "from shop import price\n\n\ndef test_rounds():\n    assert price(1, 0.333) == 0.33\n"


def stopped_merge(
    repo: Repo, left: dict[str, str], right: dict[str, str], base: dict[str, str] | None = None
) -> None:
    """``git merge`` of a right branch into main (left) that stops on a conflict."""
    repo.commit("base", {"shop.py": BASE, "tests/test_price.py": TEST_PRICE, **(base or {})})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", right)
    repo.git("checkout", "-q", "main")
    repo.commit("left", left)
    assert repo.git("merge", "--no-edit", "topic", check=False).returncode == 1


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the work tree but the solved one and its backup (and .git)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.parts and p.name not in ("shop.py", "shop.py.orig")
    }


def test_solve_picks_the_only_candidate_that_passes_and_records_it(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    # left rounds, right clamps negatives and adds a test for it: left's code fails it
    stopped_merge(repo, {"shop.py": ROUNDED}, {"shop.py": CLAMPED, "tests/test_negative.py": TEST_NEGATIVE})
    before = snapshot(repo.root)
    index_before = repo.git("ls-files", "-s").stdout
    proc = smartmerge("solve", "--rank-by", PYTEST, "--rank-timeout", "60", "shop.py", cwd=repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("shop.py") == CLAMPED
    assert "price=left   FAIL" in proc.stdout and "tests.test_negative::test_negative" in proc.stdout
    assert "chosen: price=right (the only candidate that passes the tests)" in proc.stdout
    # the user's tree and index are untouched apart from the solved file and its backup
    assert snapshot(repo.root) == before
    assert repo.git("ls-files", "-s").stdout == index_before
    assert repo.unmerged() == {"shop.py": {1, 2, 3}}
    review = smartmerge("review", "shop.py", cwd=repo.root)
    assert review.returncode == 0, review.stderr
    assert "The project's tests chose this resolution" in review.stdout
    assert "chosen: price=right" in review.stdout and "-<<<<<<<" in review.stdout


def test_a_side_added_test_runs_even_when_the_command_does_not_collect_it(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    stopped_merge(repo, {"shop.py": ROUNDED}, {"shop.py": CLAMPED, "tests/test_negative.py": TEST_NEGATIVE})
    # the command names only the base's test file; right's new test still checks left's code
    proc = smartmerge("solve", "--rank-by", f"{PYTEST} tests/test_price.py", "shop.py", cwd=repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("shop.py") == CLAMPED
    assert "tests.test_negative::test_negative" in proc.stdout


def test_when_both_pass_the_same_tests_the_tie_keeps_the_conflict(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    stopped_merge(repo, {"shop.py": ROUNDED}, {"shop.py": CLAMPED})
    proc = smartmerge("solve", "--rank-by", PYTEST, "shop.py", cwd=repo.root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "conflict kept: tie: 2 candidates pass with 1 tests passed each" in proc.stdout
    assert "<<<<<<< " in repo.read("shop.py")
    assert smartmerge("review", cwd=repo.root).stdout == ""  # nothing recorded


def test_when_both_pass_but_one_passes_more_tests_it_wins(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    skip_unless_rounding = (
        "import pytest\nfrom shop import price\n\n\ndef test_rounds():\n"
        "    if price(1, 0.333) != 0.33:\n        pytest.skip('no rounding here')\n"
    )
    stopped_merge(repo, {"shop.py": ROUNDED}, {"shop.py": CLAMPED}, base={"tests/test_round.py": skip_unless_rounding})
    proc = smartmerge("solve", "--rank-by", PYTEST, "shop.py", cwd=repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("shop.py") == ROUNDED
    assert "passes the most tests (2) of the 2 candidates that pass" in proc.stdout


def test_when_neither_passes_the_conflict_stays(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    impossible = "from shop import price\n\n\ndef test_impossible():\n    assert price(2, 2) == 5\n"
    stopped_merge(repo, {"shop.py": ROUNDED}, {"shop.py": CLAMPED}, base={"tests/test_impossible.py": impossible})
    proc = smartmerge("solve", "--rank-by", PYTEST, "--no-backup", "shop.py", cwd=repo.root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "conflict kept: no candidate passes the tests" in proc.stdout
    assert "ranking by tests kept the conflict" in proc.stdout
    assert "<<<<<<< " in repo.read("shop.py")


def test_a_candidate_that_hangs_is_killed_at_its_time_limit(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    hangs = shop("import time; time.sleep(3600)")
    stopped_merge(repo, {"shop.py": ROUNDED}, {"shop.py": hangs})
    t0 = time.monotonic()
    proc = smartmerge("solve", "--rank-by", PYTEST, "--rank-timeout", "4", "shop.py", cwd=repo.root)
    # it did not sit the hour out (a bound far from the 4 s limit: load cannot reach it)
    assert time.monotonic() - t0 < 600
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"price=right +timeout", proc.stdout), proc.stdout
    assert repo.read("shop.py") == ROUNDED


def test_the_code_under_test_is_the_candidates_own(tmp_path: Path) -> None:
    # a src layout: an inherited PYTHONPATH (here this checkout's) must not win over the copy
    repo = Repo(tmp_path / "repo")
    test = "from shopkit.shop import price\n\n\ndef test_negative():\n    assert price(-5, 2) == 0\n"
    repo.commit("base", {"src/shopkit/__init__.py": "", "src/shopkit/shop.py": BASE, "tests/test_n.py": test.replace("== 0", "== -10")})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", {"src/shopkit/shop.py": CLAMPED, "tests/test_n.py": test})
    repo.git("checkout", "-q", "main")
    repo.commit("left", {"src/shopkit/shop.py": ROUNDED})
    assert repo.git("merge", "--no-edit", "topic", check=False).returncode == 1
    proc = smartmerge("solve", "--rank-by", PYTEST, "src/shopkit/shop.py", cwd=repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("src/shopkit/shop.py") == CLAMPED


def test_without_rank_by_solve_does_not_rank(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    stopped_merge(repo, {"shop.py": ROUNDED}, {"shop.py": CLAMPED})
    proc = smartmerge("solve", "shop.py", cwd=repo.root)
    assert proc.returncode == 1
    assert "ranking" not in proc.stdout


# --- the API: a project folder, the file's path, the three versions


def project(tmp_path: Path, tests: dict[str, str]) -> Path:
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "shop.py").write_text(BASE)
    for name, text in tests.items():
        (root / "tests" / name).write_text(text)
    return root


def test_the_api_ranks_in_a_plain_folder_and_leaves_it_alone(tmp_path: Path) -> None:
    root = project(tmp_path, {"test_price.py": TEST_PRICE, "test_rounds.py": TEST_ROUNDS})
    ranking = rank_file(root, "shop.py", BASE.encode(), ROUNDED.encode(), CLAMPED.encode(), RunSettings(PYTEST, timeout=60, parallel=2))
    assert ranking.chosen is not None and ranking.chosen.candidate.name == "price=left"
    assert ranking.text == ROUNDED.encode()
    assert (root / "shop.py").read_text() == BASE
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["shop.py", "test_price.py", "test_rounds.py"]


def test_a_test_that_flips_is_flaky_and_does_not_decide(tmp_path: Path) -> None:
    # fails on the first run in a copy, passes on the repeat: flaky for every candidate
    flips = (
        "from pathlib import Path\n\n\ndef test_flips():\n"
        "    mark = Path(__file__).parent / '.ran'\n    first = not mark.exists()\n"
        "    mark.touch()\n    assert not first\n"
    )
    root = project(tmp_path, {"test_rounds.py": TEST_ROUNDS, "test_flips.py": flips})
    ranking = rank_file(root, "shop.py", BASE.encode(), ROUNDED.encode(), CLAMPED.encode(), RunSettings(PYTEST, timeout=60, parallel=2))
    by_name = {e.candidate.name: e for e in ranking.evaluations}
    assert by_name["price=left"].flaky == ("tests.test_flips::test_flips",)
    assert by_name["price=left"].ok and not by_name["price=right"].ok
    assert ranking.chosen is by_name["price=left"]
    assert "flaky: tests.test_flips::test_flips" in ranking.report()


MULTI_BASE = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(3))


def multi(values: list[str]) -> str:
    return "".join(f"def f{i}():\n    return {v}\n\n\n" for i, v in enumerate(values))


def test_many_symbols_switch_to_the_per_symbol_plan(tmp_path: Path) -> None:
    # each symbol: left and right disagree; the tests want left for f0, right for f1 and f2
    left, right = multi(["10", "11", "12"]), multi(["20", "21", "22"])
    tests = "from mod import f0, f1, f2\n\n\ndef test_0():\n    assert f0() == 10\n\n\ndef test_1():\n    assert f1() == 21\n\n\ndef test_2():\n    assert f2() == 22\n"
    root = tmp_path / "project"
    root.mkdir()
    (root / "mod.py").write_text(MULTI_BASE)
    (root / "test_mod.py").write_text(tests)
    conflict = conflicted(MULTI_BASE.encode(), left.encode(), right.encode(), "mod.py", MergeOptions())
    assert conflict is not None and list(conflict.symbols) == ["f0", "f1", "f2"]
    assert plan(conflict, 8).mode == "joint" and len(plan(conflict, 8).candidates) == 8
    assert "more than the limit of 4" in plan(conflict, 4).refusal
    per_symbol = plan(conflict, 5)
    assert per_symbol.mode == "per symbol" and len(per_symbol.candidates) == 4  # all-left + one per symbol
    ranking = rank_file(root, "mod.py", MULTI_BASE.encode(), left.encode(), right.encode(), RunSettings(PYTEST, timeout=60, parallel=2), max_candidates=5)
    assert ranking.chosen is not None, ranking.report()
    assert ranking.chosen.candidate.name == "f0=left, f1=right, f2=right"
    assert ranking.text == multi(["10", "21", "22"]).encode()
    assert len(ranking.evaluations) == 5  # four variants and the final combination


def test_a_symbol_with_several_hunks_gets_its_finer_merges(tmp_path: Path) -> None:
    base = "def f():\n    a = 1\n    b = 2\n    c = 3\n    d = 4\n    return a + b + c + d\n"
    left = base.replace("a = 1", "a = 10").replace("d = 4", "d = 40")
    right = base.replace("a = 1", "a = 100").replace("d = 4", "d = 400")
    conflict = conflicted(base.encode(), left.encode(), right.encode(), "m.py", MergeOptions())
    assert conflict is not None and dict(conflict.symbols) == {"f": 2}
    names = [c.name for c in plan(conflict).candidates]
    assert names == ["f=left", "f=right", "f=left+right", "f=right+left"]
    texts = {c.name: c.text.decode() for c in plan(conflict).candidates}
    assert "a = 10\n" in texts["f=left+right"] and "d = 400\n" in texts["f=left+right"]


def test_candidates_run_in_parallel(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "shop.py").write_text(BASE)
    conflict = conflicted(BASE.encode(), ROUNDED.encode(), CLAMPED.encode(), "shop.py", MergeOptions())
    assert conflict is not None
    candidates = plan(conflict).candidates
    assert len(candidates) >= 2
    started = tmp_path / "started"
    started.mkdir()
    # a barrier: each run waits until two runs have started, which only runs at once can do
    # (one after the other, the first would wait until its time limit and fail)
    barrier = f"touch {started}/$$; while [ $(ls {started} | wc -l) -lt 2 ]; do sleep 0.05; done"
    evaluations = evaluate_all(root, "shop.py", candidates, RunSettings(barrier, timeout=60, parallel=2))
    assert [(e.ok, len(e.runs)) for e in evaluations] == [(True, 1)] * len(candidates)


def test_a_command_without_junit_that_fails_is_repeated_once(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "shop.py").write_text(BASE)
    conflict = conflicted(BASE.encode(), ROUNDED.encode(), CLAMPED.encode(), "shop.py", MergeOptions())
    assert conflict is not None
    evaluations = evaluate_all(root, "shop.py", plan(conflict).candidates, RunSettings("exit 1", timeout=10, parallel=1))
    assert all(len(e.runs) == 2 and not e.ok for e in evaluations)


def test_conflicts_the_line_merge_kept_are_ranked_under_their_definition() -> None:
    # both sides rewrite the same token of each function; the structured result fails its
    # check and the merge uses the line merge: its conflicts still become candidates
    base = "def f0(x):\n    return x + 0\n\n\ndef f1(x):\n    return x + 1\n"
    left = base.replace("x + 0", "(x + 1) + 0").replace("x + 1\n", "(x or 0) + 1\n")
    right = base.replace("x + 0", "(x or 0) + 0").replace("x + 1\n", "(x + 1) + 1\n")
    conflict = conflicted(base.encode(), left.encode(), right.encode(), "m.py", MergeOptions())
    assert conflict is not None and dict(conflict.symbols) == {"f0": 1, "f1": 1}
    candidates = {c.name: c.text.decode() for c in plan(conflict).candidates}
    assert sorted(candidates) == ["f0=left, f1=left", "f0=left, f1=right", "f0=right, f1=left", "f0=right, f1=right"]
    assert candidates["f0=right, f1=left"] == right.split("\n\n\n")[0] + "\n\n\n" + left.split("\n\n\n")[1]


def test_candidates_keep_crlf_and_a_bom() -> None:
    base = "\ufeffdef f():\r\n    return 1\r\n"
    left, right = base.replace("1", "2"), base.replace("1", "3")
    conflict = conflicted(base.encode(), left.encode(), right.encode(), "m.py", MergeOptions())
    assert conflict is not None
    texts = sorted(c.text for c in plan(conflict).candidates)
    assert texts == sorted([left.encode(), right.encode()])


def test_a_method_conflict_takes_the_sides_whole_method(tmp_path: Path) -> None:
    base = "class Cart:\n    def total(self, items):\n        s = sum(items)\n        return s\n"
    left = base.replace("s = sum(items)", "s = sum(items) * 2").replace("return s", "return int(s)")
    right = base.replace("s = sum(items)", "s = sum(items) * 3").replace("return s", "return float(s)")
    conflict = conflicted(base.encode(), left.encode(), right.encode(), "m.py", MergeOptions())
    assert conflict is not None and list(conflict.symbols) == ["Cart.total"]
    candidates = {c.name: c.text.decode() for c in plan(conflict).candidates}
    assert candidates["Cart.total=left"] == left and candidates["Cart.total=right"] == right


def test_too_many_candidates_keep_the_conflict_and_say_why(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"mod.py": MULTI_BASE})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", {"mod.py": multi(["20", "21", "22"])})
    repo.git("checkout", "-q", "main")
    repo.commit("left", {"mod.py": multi(["10", "11", "12"])})
    assert repo.git("merge", "--no-edit", "topic", check=False).returncode == 1
    proc = smartmerge("solve", "--rank-by", "true", "--max-candidates", "3", "mod.py", cwd=repo.root)
    assert proc.returncode == 1
    assert "need 5 candidate runs even one symbol at a time, more than the limit of 3 (--max-candidates)" in proc.stdout


def test_a_failure_the_tests_do_not_explain_counts_against_the_candidate() -> None:
    candidate = Candidate((), b"")
    # every test passed twice, yet the command failed twice (a linter after pytest, say)
    unexplained = Evaluation(candidate, (RunResult(1, False, 0.1, {"t::a": PASSED}), RunResult(1, False, 0.1, {"t::a": PASSED})), 0.0)
    assert not unexplained.ok
    # the first run's only failure flipped on the repeat: flaky, and the candidate passes
    flipped = Evaluation(
        candidate,
        (RunResult(1, False, 0.1, {"t::a": FAILED, "t::b": PASSED}), RunResult(0, False, 0.1, {"t::a": PASSED, "t::b": PASSED})),
        0.0,
    )
    assert flipped.ok and flipped.flaky == ("t::a",) and (flipped.passed, flipped.failed) == (1, 0)


def test_solve_ranks_a_file_with_markers_outside_a_repository(tmp_path: Path) -> None:
    # no git: the versions come from the diff3 markers, the project is the file's folder
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_rounds.py").write_text(TEST_ROUNDS)
    conflicted_text = (
        "def price(amount, rate):\n<<<<<<< mine\n    return round(amount * rate, 2)\n||||||| base\n"
        "    return amount * rate\n=======\n    return amount * rate if amount >= 0 else 0\n>>>>>>> yours\n"
        "\n\ndef other():\n    return 1\n"
    )
    (tmp_path / "shop.py").write_text(conflicted_text)
    proc = smartmerge("solve", "--rank-by", PYTEST, "--no-backup", "shop.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "shop.py").read_text() == ROUNDED


def test_per_symbol_ties_leave_the_symbol_undecided() -> None:
    left_f, right_f = Variant("f", (Revision.LEFT,), Revision.LEFT), Variant("f", (Revision.RIGHT,), Revision.RIGHT)
    left_g, right_g = Variant("g", (Revision.LEFT,), Revision.LEFT), Variant("g", (Revision.RIGHT,), Revision.RIGHT)
    held = {"f": left_f, "g": left_g}

    def evaluation(variants: tuple[Variant, ...], tests: dict[str, str]) -> Evaluation:
        return Evaluation(Candidate(variants, b""), (RunResult(0 if FAILED not in tests.values() else 1, False, 0.1, tests),), 0.0)

    evaluations = [
        evaluation((left_f, left_g), {"t::f": PASSED, "t::g": FAILED}),
        # f's variants pass and fail the same tests: a tie; g's right variant fixes t::g
        evaluation((right_f, left_g), {"t::f": PASSED, "t::g": FAILED}),
        evaluation((left_f, right_g), {"t::f": PASSED, "t::g": PASSED}),
    ]
    winners, undecided = choose_per_symbol(evaluations, held)
    assert winners == {"g": right_g}
    assert undecided == ["f: tie between left, right"]


def test_candidates_in_syntax_newer_than_the_interpreter_are_not_refused_as_unparsable() -> None:
    # a `type` alias (Python 3.12): each candidate parses by the grammar, not by this ast
    base = b"type Price = float\n\n\ndef price(amount: Price) -> Price:\n    return amount * 1\n"
    left, right = base.replace(b"* 1", b"* 2"), base.replace(b"* 1", b"* 3")
    conflict = conflicted(base, left, right, "shop.py", MergeOptions())
    assert conflict is not None
    planned = plan(conflict)
    assert planned.unparsable == ()
    texts = {c.text for c in planned.candidates}
    assert left in texts and right in texts
