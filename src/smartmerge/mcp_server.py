"""``smartmerge mcp``: smartmerge's tools for coding agents, over MCP on stdio.

Built on the official MCP Python SDK (``pip install 'smartmerge[mcp]'``, mcp 2.x,
whose server class is ``MCPServer``). Every tool answers with JSON: merges and
previews in the schema of ``docs/json.md``, claims as in ``smartmerge claims --json``,
runs as in ``smartmerge status --json``. An error (a claim someone else holds, a
branch that does not exist) is a tool error whose text is the one-line message the
command line would print.

Tool descriptions are written for an agent deciding what to call: what it does, when
to use it, what comes back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from smartmerge import __version__, reporting
from smartmerge.errors import SmartmergeError
from smartmerge.git import reports as git_reports
from smartmerge.git.claims import DEFAULT_TTL_SECONDS, ClaimStore, parse_ttl, split_target
from smartmerge.git.gitcmd import git_dir as find_git_dir
from smartmerge.git.preview import preview
from smartmerge.git.solve import RankRequest, solve
from smartmerge.options import DEFAULT_MARKER_SIZE, MergeOptions
from smartmerge.pipeline import merge_texts

# how long start_run waits for the new run to appear in the event log
_RUN_APPEARS_SECONDS = 30.0
# the end of a task's log that task_log returns by default
_LOG_TAIL_LINES = 200

_INSTRUCTIONS = """\
smartmerge merges Python (and other) source files by their structure, so that parallel
edits to different functions, imports or class members merge without conflicts.
Typical loop for an agent working beside others in one repository:
1. claim_symbol before editing a function or class, release_claim when done;
   list_claims shows what others are editing.
2. preview_branch before merging your branch: it says file by file whether the merge is
   clean, and for each conflict the symbol, kind, line range and both sides' text. It also
   reports changes to symbols someone else has claimed.
3. solve_file on a file git left conflicted; merge_texts for three versions you hold.
4. start_run / run_status / task_log drive the task runner (smartmerge.toml).
Paths and FILE::SYMBOL targets are relative to the repository the server was started in."""


class _Tools:
    """The tools, bound to the repository the server serves."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo.resolve()

    def _claims(self) -> ClaimStore:
        return ClaimStore.for_repo(self.repo)

    def merge(
        self,
        base: Annotated[str, Field(description="The common ancestor's text.")],
        left: Annotated[str, Field(description="One edited version (yours).")],
        right: Annotated[str, Field(description="The other edited version (theirs).")],
        path: Annotated[str, Field(description="The file's name or path; its extension picks the language.")] = "file.py",
    ) -> dict[str, Any]:
        result = merge_texts(base, left, right, path=path, options=MergeOptions())
        status = "merged" if result.clean else "conflict"
        entry = reporting.file_json(
            path, status, "smartmerge" if result.clean else None, result, DEFAULT_MARKER_SIZE, base.encode("utf-8")
        )
        entry["text"] = result.text.decode("utf-8", "replace")
        return reporting.document("merge", [entry])

    def preview_branch(
        self,
        branch: Annotated[str, Field(description="The branch or commit to merge.")],
        into: Annotated[str, Field(description="The branch or commit to merge into.")] = "HEAD",
        me: Annotated[str | None, Field(description="Your claim name; your own claims are not reported.")] = None,
    ) -> dict[str, Any]:
        return preview(self.repo, branch, into, as_owner=me).to_json(DEFAULT_MARKER_SIZE)

    def solve_file(
        self,
        file: Annotated[str, Field(description="The conflicted file, relative to the repository.")],
        rank_by: Annotated[
            str | None,
            Field(description="A test command (e.g. 'pytest -q') that chooses among candidate resolutions of conflicts that remain."),
        ] = None,
        rank_timeout: Annotated[float, Field(description="Seconds per test run of one candidate.", gt=0)] = 300.0,
    ) -> dict[str, Any]:
        rank = RankRequest(rank_by, rank_timeout) if rank_by else None
        outcome = solve(self.repo / file, backup=True, rank=rank)
        return reporting.document("solve", [git_reports.solve_entry(outcome, DEFAULT_MARKER_SIZE)])

    def claim_symbol(
        self,
        target: Annotated[str, Field(description="FILE::SYMBOL, e.g. 'app/parser.py::Parser.parse'; FILE alone claims the whole file.")],
        by: Annotated[str, Field(description="Your name, the same in every call (e.g. 'agent-2').")],
        ttl: Annotated[str, Field(description="How long the claim lasts: '30m', '2h', '90s'.")] = "30m",
    ) -> dict[str, Any]:
        store = self._claims()
        file, symbol = split_target(target)
        return store.claim(store.repo_path(file), symbol, by, parse_ttl(ttl) if ttl else DEFAULT_TTL_SECONDS).to_json()

    def release_claim(
        self,
        target: Annotated[str, Field(description="The FILE::SYMBOL you claimed.")],
        by: Annotated[str, Field(description="Your name, as given to claim_symbol.")],
    ) -> dict[str, Any]:
        store = self._claims()
        file, symbol = split_target(target)
        return {"released": store.release(store.repo_path(file), symbol, by)}

    def list_claims(
        self,
        file: Annotated[str | None, Field(description="Only the claims on this file.")] = None,
    ) -> dict[str, Any]:
        store = self._claims()
        claims = store.active(store.repo_path(file) if file else None)
        return {"claims": [claim.to_json() for claim in claims]}

    def start_run(
        self,
        taskfile: Annotated[str | None, Field(description="The task file (default: smartmerge.toml of the repository).")] = None,
    ) -> dict[str, Any]:
        # imported here: the runner is only needed by the run tools
        from smartmerge.runner import run_states

        before = {state.run for state in run_states(self.repo)}
        # the runner's own output goes into the git directory, never into the work tree
        folder = find_git_dir(self.repo)
        if folder is None:
            raise SmartmergeError(f"{self.repo}: not a git repository")
        log = (folder / "smartmerge-mcp-run.log").open("ab")
        args = [sys.executable, "-m", "smartmerge", "run", "--plain", "-C", str(self.repo)]
        if taskfile:
            args += ["-f", str(self.repo / taskfile)]
        # its own session: the run outlives this tool call and is not killed with the server's group
        process = subprocess.Popen(args, cwd=self.repo, stdout=log, stderr=log, start_new_session=True, env=os.environ.copy())
        log.close()
        deadline = time.monotonic() + _RUN_APPEARS_SECONDS
        while time.monotonic() < deadline:
            new = [state.run for state in run_states(self.repo) if state.run not in before]
            if new:
                return {"run": new[-1], "pid": process.pid}
            if process.poll() is not None:
                raise SmartmergeError(f"the run did not start (exit status {process.returncode}); see {folder / 'smartmerge-mcp-run.log'}")
            time.sleep(0.1)  # polling the event log for the run the child records: no event to wait on across processes
        raise SmartmergeError(f"no new run appeared within {_RUN_APPEARS_SECONDS:g} s (pid {process.pid})")

    def run_status(
        self,
        run: Annotated[str | None, Field(description="The run id (default: the latest run).")] = None,
    ) -> dict[str, Any]:
        from smartmerge.runner import run_state

        return run_state(self.repo, run).to_json()

    def task_log(
        self,
        task: Annotated[str, Field(description="The task's name (or 'gate').")],
        run: Annotated[str | None, Field(description="The run id (default: the latest run).")] = None,
        tail: Annotated[int, Field(description="Return only the last this many lines.", ge=1)] = _LOG_TAIL_LINES,
    ) -> dict[str, Any]:
        from smartmerge.runner import log_path

        path = log_path(self.repo, task, run)
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        lines = text.splitlines(keepends=True)
        return {"task": task, "log": "".join(lines[-tail:]), "lines": len(lines), "truncated": len(lines) > tail}


_DESCRIPTIONS = {
    "merge": (
        "Three-way merge of one file's text: base (the common ancestor), left (your version) and right "
        "(theirs). Use it when you hold all three versions, e.g. to fold someone's edit into yours. "
        "Returns the merged 'text' and 'status' ('merged' or 'conflict'); on conflict the text carries "
        "diff3 markers and 'conflicts' lists each one with its symbol, kind, line range and both sides' text."
    ),
    "preview_branch": (
        "Say what merging a branch into HEAD (or 'into') would do, without touching the work tree, the "
        "index or any ref. Call it before merging. Each file is 'merged' (by one side, git, or "
        "smartmerge) or 'conflict' with records (symbol, kind, lines, each side's text, why). 'claimed' "
        "lists changes either side makes to symbols someone else has claimed."
    ),
    "solve_file": (
        "Re-merge a file that git left conflicted (during a merge, rebase or cherry-pick), in place, "
        "keeping FILE.orig. Optionally rank_by a test command to let the tests choose among candidate "
        "resolutions of conflicts that remain. Returns the file's status and its remaining conflicts."
    ),
    "claim_symbol": (
        "Claim a function, class or method (FILE::SYMBOL) before you edit it, so other agents see it and "
        "steer clear. Advisory; expires after ttl. Fails with an error naming the holder when someone "
        "else holds it or a symbol around or inside it. Claiming again with the same 'by' renews it."
    ),
    "release_claim": "Release a claim you made with claim_symbol (same target, same 'by') when your edit is done.",
    "list_claims": "The claims in force in this repository (all worktrees): file, symbol, who, and when each expires.",
    "start_run": (
        "Start the task runner on the repository's smartmerge.toml in the background: tasks run in "
        "their own worktrees and their branches are merged and landed. Returns the run id at once; "
        "follow it with run_status and task_log."
    ),
    "run_status": "A run's status and every task's state (pending, running, done, failed, blocked...), as JSON.",
    "task_log": "The end of one task's log in a run (its command's output), to see why it failed.",
}


def build_server(repo: Path) -> MCPServer:
    """The server with every tool bound to ``repo``."""
    tools = _Tools(repo)
    server: MCPServer = MCPServer(name="smartmerge", version=__version__, instructions=_INSTRUCTIONS)
    for name, description in _DESCRIPTIONS.items():
        server.add_tool(_errors_as_messages(getattr(tools, name)), name=name, description=description)
    return server


def _errors_as_messages(tool: Any) -> Any:
    """Our errors reach the agent as their one-line message, like the command line's."""
    import functools

    @functools.wraps(tool)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return tool(*args, **kwargs)
        except (SmartmergeError, OSError) as exc:
            # a ToolError's text reaches the agent; any other exception's stays in the server's log
            raise ToolError(str(exc)) from None

    return call


def serve(repo: Path) -> None:
    """Serve over stdio until the client closes the connection."""
    build_server(repo).run("stdio")
