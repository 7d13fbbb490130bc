"""The command line: the one place where errors become exit codes.

Exit status: 0 clean merge, 1 conflicts, 2 bad usage or unusable input.
"""

from __future__ import annotations

import difflib
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from smartmerge import __version__
from smartmerge.errors import SmartmergeError
from smartmerge.git import install as git_install
from smartmerge.git import replay as git_replay
from smartmerge.git import reports as git_reports
from smartmerge.git import review as git_review
from smartmerge.git.driver import label_or_default
from smartmerge.git.edge import DriverCall, MergeFiles, merge_as_driver, merge_files
from smartmerge.git.gitcmd import git_dir as find_git_dir
from smartmerge.git.gitcmd import repo_root
from smartmerge.git.solve import RankRequest
from smartmerge.git.solve import solve as solve_file
from smartmerge.languages import all_profiles, attribute_lines
from smartmerge.options import (
    CONFLICT_STYLES,
    DEFAULT_MARKER_SIZE,
    DEFAULT_TIMEOUT_SECONDS,
    MergeOptions,
)
from smartmerge.ranking import DEFAULT_PARALLEL, DEFAULT_RANK_TIMEOUT, MAX_CANDIDATES

EXIT_CLEAN, EXIT_CONFLICTS, EXIT_USAGE = 0, 1, 2


# options of the bare `smartmerge` command; every other first word starts a merge
_ROOT_OPTIONS = ("--help", "--version")

# Help groups: a command joins one with ``@app.command(NAME, cls=Command, rich_help_panel=GROUP)``.
MERGING = "Merging"
GIT = "Setting up git"
RUNNER = "Runner (parallel tasks in worktrees)"
AGENTS = "For coding agents"


class Command(TyperCommand):
    """A command whose help reads like any Unix tool's: ``BASE LEFT RIGHT``,
    ``-o, --output FILE``, flags without a value type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            # an option's value is named in capitals, as in every man page (typer would show <str>)
            if param.param_type_name == "option" and not getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = (param.name or "value").upper()

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = ["[OPTIONS]"]
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or (param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs == -1 else ""))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments = [
            ((param.metavar or (param.name or "").upper()), getattr(param, "help", None) or "")
            for param in self.get_params(ctx)
            if param.param_type_name == "argument"
        ]
        options = [
            record
            for param in self.get_params(ctx)
            if param.param_type_name == "option" and (record := param.get_help_record(ctx)) is not None
        ]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class DefaultToMerge(TyperGroup):
    """Route ``smartmerge BASE LEFT RIGHT`` to ``smartmerge merge BASE LEFT RIGHT``.

    Plain typer reads the first word as a command name; a first word that is not a
    command, not an option and not a near miss of a command name (``instal``) is
    taken as the start of a merge.
    """

    # ctx is typer's vendored click Context; typed Any to stay independent of that private module
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in _ROOT_OPTIONS:
            first = args[0]
            near = difflib.get_close_matches(first, list(self.commands), n=1, cutoff=0.75)
            if near and not os.path.exists(first) and not first.startswith("-"):
                typer.echo("Usage: smartmerge [OPTIONS] COMMAND [ARGS]...\nTry 'smartmerge --help' for help.", err=True)
                typer.echo(f"\nError: No such command '{first}'. Did you mean '{near[0]}'?", err=True)
                raise typer.Exit(EXIT_USAGE)
            args = ["merge", *args]
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        width = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            group = getattr(command, "rich_help_panel", None) or "Commands"
            groups.setdefault(group, []).append((name, command.get_short_help_str(width)))
        for group, rows in groups.items():
            with formatter.section(group):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=DefaultToMerge,
    add_completion=False,
    # plain help, as other command line tools print it (typer's boxes show <bool> metavars)
    rich_markup_mode=None,
    # a traceback is never the answer to a user: cli.main turns errors into one line
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help=(
        "smartmerge: a structured three-way merger for Python, JavaScript, TypeScript, Go, Rust, "
        "Java, JSON, YAML, TOML, pyproject.toml and requirements.txt files.\n\n"
        "smartmerge BASE LEFT RIGHT prints the merge of LEFT and RIGHT, two edited copies of "
        "BASE (exit 0 clean, 1 conflicts, 2 bad input). It is short for "
        "'smartmerge merge BASE LEFT RIGHT'; a file named like a command (say, a file called "
        "'install') needs the long form. 'smartmerge install' makes git use it as a merge driver."
    ),
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"smartmerge {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """smartmerge: a structured three-way merger."""


def fail(message: str) -> typer.Exit:
    """One line on stderr, exit status 2: bad usage or unusable input."""
    typer.echo(f"smartmerge: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


# ``--json`` of merge, solve, review, replay and preview: one schema, docs/json.md
JsonOption = typer.Option("--json", help="Print conflicts as data (schema: docs/json.md) instead of text.")


@app.command("merge", cls=Command, rich_help_panel=MERGING)
def merge_command(
    base: Annotated[Path, typer.Argument(help="The common ancestor.", show_default=False)],
    left: Annotated[Path, typer.Argument(help="One edited version (git's 'ours').", show_default=False)],
    right: Annotated[Path, typer.Argument(help="The other edited version (git's 'theirs').", show_default=False)],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write the merge here instead of stdout.")
    ] = None,
    base_label: Annotated[
        str | None, typer.Option("-s", "--base-label", metavar="LABEL", help="Label of the base section (default: base).")
    ] = None,
    left_label: Annotated[
        str | None, typer.Option("-x", "--left-label", metavar="LABEL", help="Label of the left section (default: left).")
    ] = None,
    right_label: Annotated[
        str | None, typer.Option("-y", "--right-label", metavar="LABEL", help="Label of the right section (default: right).")
    ] = None,
    marker_size: Annotated[
        int, typer.Option("-l", "--marker-size", min=1, metavar="N", help="Length of conflict markers.")
    ] = DEFAULT_MARKER_SIZE,
    path: Annotated[
        str | None, typer.Option("-p", "--path", metavar="PATH", help="The file's path in the repository (picks the language).")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", metavar="NAME", help="Force a language instead of detecting it (e.g. python).")
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Seconds for the structured merge before the line merge.")
    ] = DEFAULT_TIMEOUT_SECONDS,
    conflict_style: Annotated[
        str,
        typer.Option(
            "--conflict-style", metavar="STYLE",
            help=f"How conflicts are written: {', '.join(CONFLICT_STYLES)} (git's merge.conflictStyle; "
            "the driver reads it from git).",
        ),
    ] = "diff3",
    force_line_merge: Annotated[
        bool, typer.Option("--line-merge", help="Skip the structured merge; merge lines like git.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Say on stderr which method was used and why.")
    ] = False,
    git_driver: Annotated[
        bool,
        typer.Option(
            "--git",
            help="Merge driver mode: the arguments are git's %O %A %B; the result goes into %A (exit 0 clean, 1 conflicts).",
        ),
    ] = False,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Merge LEFT and RIGHT, two edited copies of BASE; print the result or write it to -o."""
    if verbose:
        logging.basicConfig(level=logging.DEBUG, format="smartmerge: %(name)s: %(message)s")
    if conflict_style not in CONFLICT_STYLES:
        raise fail(f"--conflict-style: expected one of {', '.join(CONFLICT_STYLES)}, got {conflict_style!r}")
    options = MergeOptions(
        # in driver mode a label not given is one git did not pass: the driver finds git's own
        base_label=base_label or ("" if git_driver else "base"),
        left_label=left_label or ("" if git_driver else "left"),
        right_label=right_label or ("" if git_driver else "right"),
        marker_size=marker_size,
        timeout=timeout,
        language=language,
        line_merge=force_line_merge,
        conflict_style=conflict_style,
    )
    if git_driver:
        call = DriverCall(base, left, right, label_or_default(path or "", "") or None, options)
        raise typer.Exit(merge_as_driver(call))
    try:
        status = merge_files(MergeFiles(base, left, right, output, path, options, verbose, as_json))
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(status)


def _print_json(document: dict[str, Any]) -> None:
    import json

    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


# --- runner commands
# ``smartmerge run`` and friends: the parallel task runner (smartmerge.runner).
# Exit status: 0 everything landed, 1 the run ended without landing all of it,
# 2 bad task file or usage.

# shared by the git integration and runner commands
RepoOption = Annotated[
    Path, typer.Option("-C", "--repo", metavar="DIR", help="A folder inside the repository (default: the current folder).")
]
GlobalOption = Annotated[
    bool, typer.Option("--global", help="The user's git config and core.attributesFile instead of the repository.")
]
LocalOnlyOption = Annotated[
    bool, typer.Option("--local-only", help="Write the attributes to .git/info/attributes, not .gitattributes.")
]


def _report(changes: list[str], nothing: str) -> None:
    for change in changes or [nothing]:
        typer.echo(f"smartmerge: {change}")


@app.command("install", cls=Command, rich_help_panel=GIT)
def install_command(
    global_: GlobalOption = False,
    local_only: LocalOnlyOption = False,
    repo: RepoOption = Path("."),
    languages: Annotated[
        str | None,
        typer.Option(
            "--languages", metavar="NAMES",
            help="Only these languages, comma-separated (e.g. python,go; see 'smartmerge languages'). "
            "Default: every language smartmerge merges.",
        ),
    ] = None,
    jj: Annotated[
        bool, typer.Option("--jj", help="Also write a Jujutsu merge tool entry (jj resolve --tool smartmerge).")
    ] = False,
) -> None:
    """Make git use smartmerge for the files of every language it merges (config + attributes); running it again changes nothing."""
    try:
        scope = git_install.scope_for(repo, global_=global_, local_only=local_only)
        lines = git_install.languages_lines(languages)
        changes = git_install.install(scope, attribute_lines=lines)
        if jj:
            changes += git_install.install_jj()
    except (SmartmergeError, OSError) as exc:
        raise fail(str(exc)) from None
    _report(changes, f"already installed ({scope.description})")
    if scope.attributes_file.name == ".gitattributes" and any(".gitattributes" in change for change in changes):
        typer.echo(
            "smartmerge: commit .gitattributes so that every clone sends these files to the driver; "
            "the driver itself is in .git/config, so each clone runs 'smartmerge install' once"
        )


@app.command("uninstall", cls=Command, rich_help_panel=GIT)
def uninstall_command(
    global_: GlobalOption = False,
    local_only: LocalOnlyOption = False,
    repo: RepoOption = Path("."),
    jj: Annotated[bool, typer.Option("--jj", help="Also remove the Jujutsu merge tool entry.")] = False,
) -> None:
    """Remove exactly what 'smartmerge install' added."""
    try:
        scope = git_install.scope_for(repo, global_=global_, local_only=local_only)
        changes = git_install.uninstall(scope)
        if jj:
            changes += git_install.uninstall_jj()
    except (SmartmergeError, OSError) as exc:
        raise fail(str(exc)) from None
    _report(changes, f"nothing to remove ({scope.description})")


@app.command("doctor", cls=Command, rich_help_panel=GIT)
def doctor_command(repo: RepoOption = Path(".")) -> None:
    """Say what is configured and prove, with a test merge through git, that the driver runs."""
    try:
        report = git_install.doctor(repo)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    for line in report.lines:
        typer.echo(line)
    raise typer.Exit(EXIT_CLEAN if report.ok else EXIT_CONFLICTS)


@app.command("solve", cls=Command, rich_help_panel=MERGING)
def solve_command(
    files: Annotated[list[Path], typer.Argument(help="Files git left conflicted.", show_default=False)],
    no_backup: Annotated[bool, typer.Option("--no-backup", help="Do not keep FILE.orig.")] = False,
    rank_by: Annotated[
        str | None,
        typer.Option(
            "--rank-by", metavar="CMD",
            help="Let this test command (e.g. 'pytest -q') choose among the candidate resolutions of "
            "the conflicts that remain; it runs in throwaway copies of the work tree.",
        ),
    ] = None,
    rank_timeout: Annotated[
        float, typer.Option("--rank-timeout", min=0.1, metavar="SECONDS", help="Time limit of one test run of one candidate, in seconds.")
    ] = DEFAULT_RANK_TIMEOUT,
    max_candidates: Annotated[
        int, typer.Option("--max-candidates", min=1, metavar="N", help="At most this many candidate runs per file.")
    ] = MAX_CANDIDATES,
    rank_parallel: Annotated[
        int, typer.Option("--rank-parallel", min=1, metavar="N", help="Candidates tested at once.")
    ] = DEFAULT_PARALLEL,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Re-merge conflicted files from the index stages, or from their diff3 markers (exit 1 if conflicts remain, 2 on errors)."""
    all_clean, errors = True, False
    rank = RankRequest(rank_by, rank_timeout, max_candidates, rank_parallel) if rank_by else None
    entries: list[dict[str, Any]] = []
    for file in files:
        try:
            outcome = solve_file(file, backup=not no_backup, rank=rank)
        except (SmartmergeError, OSError) as exc:
            typer.echo(f"smartmerge: error: {file}: {exc}", err=True)
            errors = True
            if as_json:
                entries.append(git_reports.error_entry(str(file), str(exc)))
            continue
        all_clean = all_clean and outcome.clean
        if as_json:
            entries.append(git_reports.solve_entry(outcome, DEFAULT_MARKER_SIZE))
            continue
        if outcome.ranking is not None:
            typer.echo(outcome.ranking.report(), nl=False)
        typer.echo(f"smartmerge: {outcome.message}")
    if as_json:
        from smartmerge import reporting

        _print_json(reporting.document("solve", entries))
    raise typer.Exit(EXIT_USAGE if errors else EXIT_CLEAN if all_clean else EXIT_CONFLICTS)


@app.command("review", cls=Command, rich_help_panel=MERGING)
def review_command(
    file: Annotated[Path | None, typer.Argument(help="A file the driver resolved.", show_default=False)] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget every recorded resolution.")] = False,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Show what the driver resolved in FILE next to git's line merge (no FILE: list what there is)."""
    try:
        root = repo_root(file.parent if file else Path("."))
        git_dir = find_git_dir(root)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    if git_dir is None:
        raise fail("not inside a git repository")
    if clear:
        typer.echo(f"smartmerge: forgot {git_review.clear(git_dir)} recorded resolution(s)")
        return
    if as_json:
        from smartmerge import reporting

        wanted = [file.resolve().relative_to(root.resolve()).as_posix()] if file else git_review.recorded_paths(git_dir)
        records = [r for r in (git_review.load(git_dir, p) for p in wanted) if r is not None]
        if file is not None and not records:
            raise fail(f"{wanted[0]}: the driver recorded no resolutions for this file")
        _print_json(reporting.document("review", [git_reports.review_entry(r, DEFAULT_MARKER_SIZE) for r in records]))
        return
    if file is None:
        paths = git_review.recorded_paths(git_dir)
        for recorded in paths:
            typer.echo(recorded)
        if not paths:
            typer.echo("smartmerge: no resolutions recorded", err=True)
        return
    path = file.resolve().relative_to(root.resolve()).as_posix()
    record = git_review.load(git_dir, path)
    if record is None:
        raise fail(f"{path}: the driver recorded no resolutions for this file")
    typer.echo(git_review.render(record), nl=False)


@app.command("replay", cls=Command, rich_help_panel=MERGING)
def replay_command(
    repo: Annotated[Path, typer.Argument(help="A git repository (not modified).", show_default=False)],
    limit: Annotated[int | None, typer.Option("--limit", min=1, metavar="N", help="Replay at most N merges, newest first.")] = None,
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", help="Only merges committed after DATE (git's syntax).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help="Worker processes.")] = 1,
    details: Annotated[
        bool, typer.Option("--details", help="Also list each file smartmerge did better or worse on than git merge-file.")
    ] = False,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Replay a repository's merge commits through smartmerge and git merge-file; print the table."""
    try:
        report = git_replay.replay(repo, git_replay.ReplayOptions(limit=limit, since=since, jobs=jobs))
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        _print_json(git_reports.replay_document(report))
        return
    typer.echo(git_replay.format_table(report), nl=False)
    if details:
        typer.echo("")
        typer.echo(git_replay.format_details(report), nl=False)


RunOption = Annotated[str | None, typer.Option("--run", metavar="RUN", help="The run (default: the latest).")]
# The runner is imported inside each command: the merge driver starts once per
# file git merges, and should not pay for rich, sqlite3 and the runner on start-up.


@app.command("run", cls=Command, rich_help_panel=RUNNER)
def run_command(
    repo: RepoOption = Path("."),
    resume: Annotated[
        str | None, typer.Option("--resume", metavar="RUN", help="Continue RUN after a crash; finished tasks stay.")
    ] = None,
    taskfile: Annotated[
        Path | None, typer.Option("-f", "--file", metavar="FILE", help="The task file (default: smartmerge.toml in the repository).")
    ] = None,
    plain: Annotated[bool, typer.Option("--plain", help="Plain line events even on a terminal.")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Debug log on stderr (timings).")] = False,
    executor_kind: Annotated[
        str,
        typer.Option(
            "--executor", metavar="KIND",
            help="Where attempts run: 'thread' (default), 'process' (a process pool), 'dask' (the workers of "
            "--scheduler) or 'dask-local[:N]' (a local Dask cluster of N process workers).",
        ),
    ] = "thread",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", metavar="ADDRESS", help="The Dask scheduler of --executor dask (tcp://HOST:8786).")
    ] = None,
    remote: Annotated[
        str | None,
        typer.Option("--remote", metavar="URL", help="A bare repository the Dask workers reach (default: one in the runner's folder, for workers on this machine or a shared file system)."),
    ] = None,
) -> None:
    """Run the tasks of smartmerge.toml in parallel worktrees and land their merged work."""
    from concurrent.futures import Executor, ProcessPoolExecutor

    from smartmerge.runner import resume_run, start_run
    from smartmerge.runner.progress import PlainProgress, progress_for

    dask = executor_kind == "dask" or executor_kind.startswith("dask-local")
    if executor_kind not in ("thread", "process") and not dask:
        raise fail(f"--executor: expected 'thread', 'process', 'dask' or 'dask-local[:N]', got {executor_kind!r}")
    if not dask and (scheduler or remote):
        raise fail("--scheduler and --remote go with --executor dask or dask-local")
    # The runner sizes and owns its default thread pool. A process pool starts its workers
    # on demand, so a generous size costs nothing; [run] max_parallel still bounds how many
    # attempts are submitted at once.
    executor: Executor | None = ProcessPoolExecutor(max_workers=64) if executor_kind == "process" else None
    if dask:
        from smartmerge.runner.dask_executor import DaskOptions, make_dask_executor

        try:
            executor = make_dask_executor(DaskOptions(executor_kind, scheduler, remote))
        except SmartmergeError as exc:
            raise fail(str(exc)) from None
    if verbose:
        logging.basicConfig(level=logging.DEBUG, format="smartmerge: %(name)s: %(message)s")
    progress = PlainProgress() if plain else progress_for()
    try:
        if resume is not None:
            report = resume_run(repo, resume, executor=executor, observer=progress)
        else:
            report = start_run(repo, taskfile, executor=executor, observer=progress)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    finally:
        progress.close()
        if executor is not None:
            executor.shutdown(wait=True)
    raise typer.Exit(EXIT_CLEAN if report.ok else EXIT_CONFLICTS)


@app.command("runs", cls=Command, rich_help_panel=RUNNER)
def runs_command(repo: RepoOption = Path(".")) -> None:
    """List the runs of this repository, oldest first."""
    from smartmerge.runner import run_states

    try:
        states = run_states(repo)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    for state in states:
        counts = " ".join(f"{k}={v}" for k, v in state.counts().items())
        typer.echo(f"{state.run}  {state.status:<14} target={state.target}  {counts}")


@app.command("status", cls=Command, rich_help_panel=RUNNER)
def status_command(
    run: Annotated[str | None, typer.Argument(help="The run (default: the latest).")] = None,
    repo: RepoOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show a run: its status and the state of every task."""
    import json

    from smartmerge.runner import run_state

    try:
        state = run_state(repo, run)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(state.to_json(), indent=2, sort_keys=True))
        return
    typer.echo(f"run {state.run}: {state.status}" + (f": {state.message}" if state.message else ""))
    for task in state.tasks.values():
        note = f"  ({task.reason})" if task.reason else ""
        typer.echo(f"  {task.name:<20} {task.state:<11} attempts={task.attempts}{note}")


@app.command("logs", cls=Command, rich_help_panel=RUNNER)
def logs_command(
    task: Annotated[str, typer.Argument(help="The task (or 'gate').")],
    run: RunOption = None,
    repo: RepoOption = Path("."),
) -> None:
    """Print a task's log file."""
    from smartmerge.runner import log_path

    try:
        path = log_path(repo, task, run)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    if not path.exists():
        raise fail(f"task {task} has no log yet")
    sys.stdout.buffer.write(path.read_bytes())
    sys.stdout.buffer.flush()


def _signal(action: str, task: str, run: str | None, repo: Path) -> None:
    from smartmerge.runner import signal_task

    try:
        typer.echo(signal_task(repo, task, action, run))
    except SmartmergeError as exc:
        raise fail(str(exc)) from None


@app.command("pause", cls=Command, rich_help_panel=RUNNER)
def pause_command(task: Annotated[str, typer.Argument()], run: RunOption = None, repo: RepoOption = Path(".")) -> None:
    """Stop a running task's processes (SIGSTOP) until 'unpause'; paused time does not count against its time limit."""
    _signal("pause", task, run, repo)


@app.command("unpause", cls=Command, rich_help_panel=RUNNER)
def unpause_command(task: Annotated[str, typer.Argument()], run: RunOption = None, repo: RepoOption = Path(".")) -> None:
    """Let a paused task go on (SIGCONT)."""
    _signal("unpause", task, run, repo)


@app.command("kill", cls=Command, rich_help_panel=RUNNER)
def kill_command(task: Annotated[str, typer.Argument()], run: RunOption = None, repo: RepoOption = Path(".")) -> None:
    """Kill a running task's process group; it fails without retries and blocks its dependents."""
    _signal("kill", task, run, repo)


@app.command("gc", cls=Command, rich_help_panel=RUNNER)
def gc_command(repo: RepoOption = Path(".")) -> None:
    """Remove runner worktrees whose owner is dead and lock files nobody holds."""
    from smartmerge.runner import gc

    try:
        collected = gc(repo)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    for path in collected.worktrees:
        typer.echo(f"removed worktree {path}")
    for path in collected.locks:
        typer.echo(f"removed lock {path}")
    for path in collected.kept:
        typer.echo(f"kept {path} (its owner is alive)")



# --- commands for coding agents
# preview, claims and the MCP server (docs/agents.md); the work is in git/preview.py,
# git/claims.py and mcp_server.py, imported inside each command to keep start-up lean.


@app.command("preview", cls=Command, rich_help_panel=AGENTS)
def preview_command(
    branch: Annotated[str, typer.Argument(help="The branch (or commit) to merge.", show_default=False)],
    into: Annotated[str, typer.Option("--into", help="Merge into this ref instead of HEAD.")] = "HEAD",
    as_owner: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Your claim name: your own claims are not reported.")
    ] = None,
    repo: RepoOption = Path("."),
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Say what merging BRANCH into HEAD would do, file by file, touching nothing (exit 1 if it would conflict)."""
    from smartmerge.git.preview import format_preview, preview

    try:
        report = preview(repo, branch, into, as_owner=as_owner)
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        _print_json(report.to_json(DEFAULT_MARKER_SIZE))
    else:
        typer.echo(format_preview(report, DEFAULT_MARKER_SIZE), nl=False)
    raise typer.Exit(EXIT_CLEAN if report.clean else EXIT_CONFLICTS)


ClaimTarget = Annotated[
    str, typer.Argument(metavar="FILE::SYMBOL", help="A file and a dotted name in it (Parser.parse); FILE alone is the whole file.", show_default=False)
]


@app.command("claim", cls=Command, rich_help_panel=AGENTS)
def claim_command(
    target: ClaimTarget,
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who claims it (an agent's or person's name).")],
    ttl: Annotated[str, typer.Option("--ttl", help="How long the claim lasts: 30m, 2h, 90s.")] = "30m",
    repo: RepoOption = Path("."),
) -> None:
    """Claim a symbol while you edit it (advisory; exit 1 if someone else holds it or something around it)."""
    from smartmerge.git.claims import ClaimHeld, ClaimStore, parse_ttl, split_target

    try:
        store = ClaimStore.for_repo(repo)
        file, symbol = split_target(target)
        claim = store.claim(store.repo_path(file, Path.cwd()), symbol, by, parse_ttl(ttl))
    except ClaimHeld as exc:
        typer.echo(f"smartmerge: {exc}", err=True)
        raise typer.Exit(EXIT_CONFLICTS) from None
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"smartmerge: {claim.target} claimed by {claim.owner} for {ttl}")


@app.command("release", cls=Command, rich_help_panel=AGENTS)
def release_command(
    target: Annotated[str | None, typer.Argument(metavar="[FILE::SYMBOL]", help="The claim to release.", show_default=False)] = None,
    by: Annotated[str | None, typer.Option("--by", metavar="NAME", help="Whose claim it is.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Release every claim of --by.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Release it whoever holds it.")] = False,
    repo: RepoOption = Path("."),
) -> None:
    """Release a claim (or with --all every claim of --by)."""
    from smartmerge.git.claims import ClaimHeld, ClaimStore, split_target

    if all_ != (target is None) or not (by or (force and not all_)):
        raise fail("give FILE::SYMBOL with --by NAME (or --force), or --all with --by NAME")
    try:
        store = ClaimStore.for_repo(repo)
        if all_ and by:
            count = store.release_all(by)
        else:
            file, symbol = split_target(target or "")
            count = store.release(store.repo_path(file, Path.cwd()), symbol, None if force else by)
    except ClaimHeld as exc:
        typer.echo(f"smartmerge: {exc}", err=True)
        raise typer.Exit(EXIT_CONFLICTS) from None
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"smartmerge: released {count} claim(s)")


@app.command("claims", cls=Command, rich_help_panel=AGENTS)
def claims_command(
    repo: RepoOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the claims that have not expired, in every worktree of the repository."""
    import time

    from smartmerge.git.claims import ClaimStore

    try:
        claims = ClaimStore.for_repo(repo).active()
    except SmartmergeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        _print_json({"claims": [claim.to_json() for claim in claims]})
        return
    now = time.time()
    for claim in claims:
        left = int(claim.expires_at - now)
        typer.echo(f"{claim.target}  by {claim.owner}  {left // 60}m{left % 60:02d}s left")


@app.command("mcp", cls=Command, rich_help_panel=AGENTS)
def mcp_command(repo: RepoOption = Path(".")) -> None:
    """Serve smartmerge's tools to a coding agent over MCP (stdio); needs the 'mcp' extra (docs/agents.md)."""
    try:
        from smartmerge.mcp_server import serve
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("mcp"):
            raise
        raise fail("the MCP server needs the official MCP SDK: pip install 'smartmerge[mcp]' (or: pip install 'mcp>=2')") from None
    serve(repo)


# --- language commands
# What grammars/ supports, and the .gitattributes lines for it.


@app.command("languages", cls=Command, rich_help_panel=MERGING)
def languages_command(
    gitattributes: Annotated[
        bool, typer.Option("--gitattributes", help="Print only the .gitattributes lines for every supported file.")
    ] = False,
) -> None:
    """List the supported languages: name, parser, file extensions and names."""
    if gitattributes:
        for line in attribute_lines():
            typer.echo(line)
        return
    for profile in all_profiles():
        patterns = [f"*{ext}" for ext in profile.extensions] + list(profile.file_names)
        parser = f"tree-sitter ({profile.grammar})" if profile.parser == "tree-sitter" else profile.parser
        typer.echo(f"{profile.name:<18} {parser:<36} {' '.join(patterns)}")


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``smartmerge`` console script."""
    try:
        return app(args=argv, prog_name="smartmerge")
    except SmartmergeError as exc:
        typer.echo(f"smartmerge: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
