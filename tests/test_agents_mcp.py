"""``smartmerge mcp``, driven by the official MCP SDK's own client over stdio."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from git_helpers import BASE, Repo, edit

mcp = pytest.importorskip("mcp", reason="the MCP SDK is the 'mcp' extra")

from mcp import Client, StdioServerParameters  # noqa: E402  (after the importorskip guard)

# a run of one tiny task finishes in seconds; this only bounds a hang
RUN_FINISHES_SECONDS = 120


def _serve(repo: Path) -> StdioServerParameters:
    # the SDK hands the server a minimal environment: pass what the tests rely on
    env = {key: value for key, value in os.environ.items() if key.startswith(("GIT_", "PYTHON"))}
    return StdioServerParameters(command=sys.executable, args=["-m", "smartmerge", "mcp", "-C", str(repo)], env=env, cwd=str(repo))


def _drive(repo: Path, script: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Client(_serve(repo), read_timeout_seconds=120) as client:
            await script(client)

    anyio.run(main)


async def _call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def _error(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return " ".join(getattr(part, "text", "") for part in result.content)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"app.py": BASE})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {"app.py": edit(BASE, "one", "10")})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"app.py": edit(BASE, "one", "11")})
    return repo


def test_the_server_lists_its_tools_with_descriptions_for_agents(repo: Repo) -> None:
    async def script(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {
            "merge", "preview_branch", "solve_file", "claim_symbol", "release_claim", "list_claims",
            "start_run", "run_status", "task_log",
        }
        for tool in tools.values():
            assert tool.description and len(tool.description) > 40, tool.name
        assert "base" in tools["merge"].input_schema["properties"]

    _drive(repo.root, script)


def test_merge_claims_and_preview_through_mcp(repo: Repo) -> None:
    async def script(client: Client) -> None:
        merged = await _call(client, "merge", base=BASE, left=edit(BASE, "one", "10"), right=edit(BASE, "four", "40"), path="app.py")
        assert merged["clean"] is True
        assert merged["files"][0]["text"] == edit(edit(BASE, "one", "10"), "four", "40")
        clash = await _call(client, "merge", base=BASE, left=edit(BASE, "one", "10"), right=edit(BASE, "one", "11"), path="app.py")
        [conflict] = clash["files"][0]["conflicts"]
        assert (conflict["symbol"], conflict["kind"]) == ("one", "both_changed")

        claimed = await _call(client, "claim_symbol", target="app.py::one", by="agent-1")
        assert (claimed["file"], claimed["symbol"], claimed["by"]) == ("app.py", "one", "agent-1")
        assert "claimed by agent-1" in await _error(client, "claim_symbol", target="app.py::one", by="agent-2")
        listed = await _call(client, "list_claims")
        assert [(c["symbol"], c["by"]) for c in listed["claims"]] == [("one", "agent-1")]

        preview = await _call(client, "preview_branch", branch="feature", me="agent-2")
        [entry] = preview["files"]
        assert entry["status"] == "conflict" and entry["conflicts"][0]["symbol"] == "one"
        assert {(c["side"], c["claim"]["by"]) for c in entry["claimed"]} == {("left", "agent-1"), ("right", "agent-1")}
        assert "no such branch" in await _error(client, "preview_branch", branch="nope")

        assert (await _call(client, "release_claim", target="app.py::one", by="agent-1"))["released"] == 1
        assert (await _call(client, "list_claims"))["claims"] == []

    _drive(repo.root, script)
    # preview through the server touched nothing
    assert repo.git("status", "--porcelain").stdout == ""


def test_solve_a_conflicted_file_through_mcp(repo: Repo) -> None:
    repo.git("checkout", "-q", "feature")
    repo.commit("feature 2", {"app.py": edit(edit(BASE, "one", "10"), "three", "30")})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "feature", check=False)
    assert "<<<<<<<" in repo.read("app.py")

    async def script(client: Client) -> None:
        solved = await _call(client, "solve_file", file="app.py")
        [entry] = solved["files"]
        assert entry["status"] == "conflict" and [c["symbol"] for c in entry["conflicts"]] == ["one"]

    _drive(repo.root, script)
    # the edit to three (no conflict for git either) is kept, the clash in one stays marked
    assert "return 30" in repo.read("app.py") and repo.read("app.py").count("<<<<<<<") == 1


def test_start_a_run_follow_its_status_and_read_a_task_log(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {
        "README": "x\n",
        "smartmerge.toml": '[tasks.hello]\ncmd = "echo hello from the task && echo done > out.txt"\n',
    })

    async def script(client: Client) -> None:
        started = await _call(client, "start_run")
        run = started["run"]
        deadline = time.monotonic() + RUN_FINISHES_SECONDS
        status = await _call(client, "run_status", run=run)
        while status["finished"] is None:
            assert time.monotonic() < deadline, status
            await anyio.sleep(0.2)  # polls the run's event log: the run is another process
            status = await _call(client, "run_status", run=run)
        assert status["status"] == "landed", status
        assert status["tasks"]["hello"]["state"] == "integrated"
        log = await _call(client, "task_log", task="hello", run=run)
        assert "hello from the task" in log["log"]
        assert "has no task" in await _error(client, "task_log", task="nope", run=run)

    _drive(repo.root, script)
    assert repo.git("show", "main:out.txt").stdout == "done\n"


def test_without_the_sdk_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    import subprocess

    # None in sys.modules makes `import mcp` fail as if the package were not installed
    script = "import sys; sys.modules['mcp'] = None; from smartmerge.cli import main; main(['mcp'])"
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "pip install 'smartmerge[mcp]'" in proc.stderr and proc.stderr.count("\n") == 1
