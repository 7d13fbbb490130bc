"""``smartmerge install``, ``uninstall`` and ``doctor``: the driver config and attributes.

install writes two config keys (``merge.smartmerge.name`` and ``.driver``) and one
attributes line preceded by a comment that marks it as ours; uninstall removes
exactly those, so a line the user wrote by hand survives.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from smartmerge.errors import InputError
from smartmerge.git import review
from smartmerge.git.edge import CONFLICT_STATUS_VARIABLE
from smartmerge.git.gitcmd import GitError, git, git_version, repo_root, supports_label_placeholders
from smartmerge.git.off_switch import OFF_SWITCH, OFF_VALUES
from smartmerge.languages import all_profiles, attribute_lines

DRIVER_KEY = "merge.smartmerge.driver"
NAME_KEY = "merge.smartmerge.name"
DRIVER_NAME = "smartmerge: structured merge"
# names earlier versions wrote, which uninstall also recognises as its own
OLD_DRIVER_NAMES = ("smartmerge: structured merge of Python files",)
ATTRIBUTES_LINE = "*.py merge=smartmerge"
ATTRIBUTES_COMMENT = "# added by smartmerge install (smartmerge uninstall removes this block)"
ATTRIBUTES_END = "# end of smartmerge install"
# what earlier versions wrote before each line
OLD_ATTRIBUTES_COMMENT = "# added by smartmerge install (smartmerge uninstall removes this and the next line)"
# the part of the driver command that identifies it as ours, whatever the interpreter
DRIVER_SIGNATURE = "-m smartmerge merge --git"
# the exit status by which the driver line knows that smartmerge ran and left conflicts
CONFLICT_STATUS = 9
# how the driver line starts since it answers SMARTMERGE=0 itself (doctor looks for it)
OFF_SWITCH_CASE = f'case "${{{OFF_SWITCH}-}}" in'


@dataclass(frozen=True)
class Scope:
    """Where install writes: a repository's config and attributes, or the user's."""

    config_flag: str  # "--local" or "--global"
    attributes_file: Path
    cwd: Path

    @property
    def description(self) -> str:
        return "user (global)" if self.config_flag == "--global" else f"repository {self.cwd}"


def _shell_quote(text: str) -> str:
    # git runs the driver through the shell; double quotes keep spaces, escapes keep the rest literal
    escaped = "".join("\\" + ch if ch in '"\\$`' else ch for ch in text)
    return f'"{escaped}"'


def off_switch_case() -> str:
    """The start of the driver line that answers ``SMARTMERGE=0`` before Python starts:
    git's line merge when it is clean; anything else falls through to the rest of the
    line, whose Python off switch (off_switch.py) writes conflicts with git's labels.

    The pattern spells off_switch.OFF_VALUES case-insensitively; a value it does not
    catch (" 0", with spaces) still reaches the Python off switch. ``--diff3`` makes
    the result what the Python off switch and line_merge.py give: git merge-file
    reads merge.conflictstyle from the config, and the style decides which merges
    count as clean. A clean merge has no markers, so the marker size plays no part.
    The first call only asks whether the merge is clean (exit 0; the number of
    conflicts, or 255 for binary or unreadable files, otherwise) and leaves %A alone,
    so that the Python driver gets the untouched ours; the second writes the result
    into %A in place, as the line's last resort does too (a temporary file and ``mv``
    would cost another process, for a write that fails only when the disk does, and
    then with a non-zero exit that git records as a conflict). %O %A %B are names git
    makes (``.merge_file_XXXXXX`` at the top of the work tree): no quoting needed; the
    line never puts %P (which git quotes for the shell) in the shell's hands.
    """
    pattern = "|".join(_any_case(value) for value in sorted(OFF_VALUES))
    line_merge = "git merge-file -q --diff3 %A %O %B"
    return (
        f'{OFF_SWITCH_CASE} {pattern}) git merge-file -q -p --diff3 %A %O %B >/dev/null 2>&1 '
        f"&& exec {line_merge};; esac"
    )


def _any_case(value: str) -> str:
    """A shell case pattern that matches ``value`` in any case ("off" -> [oO][fF][fF])."""
    return "".join(f"[{ch.lower()}{ch.upper()}]" if ch.lower() != ch.upper() else ch for ch in value)


def driver_command(python: str | None = None, labels: bool | None = None) -> str:
    """The driver line git runs through the shell: the off switch (off_switch_case),
    then smartmerge, or git's own line merge when smartmerge cannot start.

    The interpreter is absolute (git may run from an IDE without the virtual
    environment on PATH). smartmerge reports conflicts with exit status
    CONFLICT_STATUS, which the line turns into git's 1; any other failure (the
    interpreter gone, smartmerge no longer installed in it, a crash on start-up:
    Python's own exit 1) runs ``git merge-file`` on the same files, so git records a
    real line merge, with markers, rather than ours under a conflict with theirs
    silently missing.
    """
    interpreter = _shell_quote(python or sys.executable)
    with_labels = labels if labels is not None else supports_label_placeholders()
    smartmerge = f"{CONFLICT_STATUS_VARIABLE}={CONFLICT_STATUS} {interpreter} {DRIVER_SIGNATURE} %O %A %B -p %P -l %L"
    if with_labels:
        smartmerge += " -s %S -x %X -y %Y"
    git_labels = "-L %X -L %S -L %Y" if with_labels else "-L ours -L base -L theirs"
    return (
        f"{off_switch_case()}; "
        f"{smartmerge}; s=$?; test $s = 0 && exit 0; test $s = {CONFLICT_STATUS} && exit 1; "
        f"echo \"smartmerge: {python or sys.executable} could not run smartmerge (exit $s); "
        f"git's line merge used; run smartmerge install again\" >&2; "
        f"git merge-file --marker-size=%L {git_labels} %A %O %B"
    )


def driver_interpreter(command: str) -> str:
    """The interpreter a driver line runs smartmerge with ("" when there is none)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    for index in range(1, len(words) - 1):
        if words[index : index + 2] == ["-m", "smartmerge"]:
            return words[index - 1]
    return ""


def global_attributes_file() -> Path:
    """core.attributesFile from the user's config, else git's default location."""
    configured = git("config", "--global", "--get", "core.attributesFile", check=False).out
    if configured:
        return Path(os.path.expanduser(configured))
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(xdg) / "git" / "attributes"


def scope_for(repo: Path, global_: bool = False, local_only: bool = False) -> Scope:
    if global_ and local_only:
        raise InputError("--global and --local-only exclude each other")
    if global_:
        return Scope("--global", global_attributes_file(), repo)
    root = repo_root(repo)
    if local_only:
        common = Path(git("rev-parse", "--git-common-dir", cwd=root).out)
        info = (common if common.is_absolute() else root / common) / "info"
        return Scope("--local", info / "attributes", root)
    return Scope("--local", root / ".gitattributes", root)


def _get(scope: Scope, key: str) -> str | None:
    run = git("config", scope.config_flag, "--get", key, cwd=scope.cwd, check=False)
    return run.out if run.returncode == 0 else None


def install(scope: Scope, python: str | None = None, attribute_lines: Sequence[str] = (ATTRIBUTES_LINE,)) -> list[str]:
    """Write the driver config and the attributes lines; say what changed (nothing, the second time)."""
    changes: list[str] = []
    for key, value in ((NAME_KEY, DRIVER_NAME), (DRIVER_KEY, driver_command(python))):
        current = _get(scope, key)
        if current != value:
            git("config", scope.config_flag, key, value, cwd=scope.cwd)
            changes.append(f"{'set' if current is None else 'updated'} {key} ({scope.description})")
    attributes = scope.attributes_file
    text = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    kept = _without_our_lines(text.splitlines(keepends=True))
    users = {line.strip() for line in kept}
    ours = [line for line in attribute_lines if line not in users]
    if kept and not kept[-1].endswith("\n"):
        kept[-1] += "\n"
    block = [f"{ATTRIBUTES_COMMENT}\n", *(f"{line}\n" for line in ours), f"{ATTRIBUTES_END}\n"] if ours else []
    new_text = "".join(kept + block)
    if new_text != text:
        attributes.parent.mkdir(parents=True, exist_ok=True)
        attributes.write_text(new_text, encoding="utf-8")
        patterns = " ".join(line.split()[0] for line in ours)
        changes.append(f"wrote {len(ours)} attribute line(s) to {attributes}: {patterns}")
    return changes


def _without_our_lines(lines: list[str]) -> list[str]:
    """The attributes lines without what install wrote: the marked block, or (older
    installs) a comment line followed by one ``merge=smartmerge`` line."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        end = index + 1
        if line == ATTRIBUTES_COMMENT:
            while end < len(lines) and lines[end].strip().endswith(" merge=smartmerge"):
                end += 1
            if end < len(lines) and lines[end].strip() == ATTRIBUTES_END:
                end += 1
        elif line == OLD_ATTRIBUTES_COMMENT and index + 1 < len(lines) and lines[index + 1].strip().endswith(" merge=smartmerge"):
            end += 1
        else:
            kept.append(lines[index])
        index = end
    return kept


def uninstall(scope: Scope) -> list[str]:
    """Remove what install added, and nothing else."""
    changes: list[str] = []
    driver = _get(scope, DRIVER_KEY)
    if driver is not None and DRIVER_SIGNATURE in driver:
        git("config", scope.config_flag, "--unset", DRIVER_KEY, cwd=scope.cwd)
        changes.append(f"removed {DRIVER_KEY}")
        if _get(scope, NAME_KEY) in (DRIVER_NAME, *OLD_DRIVER_NAMES):
            git("config", scope.config_flag, "--unset", NAME_KEY, cwd=scope.cwd)
            changes.append(f"removed {NAME_KEY}")
        left = git("config", scope.config_flag, "--get-regexp", r"^merge\.smartmerge\.", cwd=scope.cwd, check=False)
        if not left.out:
            # git keeps an empty [merge "smartmerge"] header after the last --unset
            git("config", scope.config_flag, "--remove-section", "merge.smartmerge", cwd=scope.cwd, check=False)
    attributes = scope.attributes_file
    if attributes.exists():
        lines = attributes.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = _without_our_lines(lines)
        if len(kept) != len(lines):
            if "".join(kept).strip():
                attributes.write_text("".join(kept), encoding="utf-8")
            else:
                attributes.unlink()
            changes.append(f"removed smartmerge's attribute lines from {attributes}")
    return changes


def languages_lines(names: str | None) -> list[str]:
    """The attributes lines of the languages named (comma-separated), or of every language."""
    profiles = all_profiles()
    if names is None:
        return attribute_lines(profiles)
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    known = {profile.name: profile for profile in profiles}
    unknown = [name for name in wanted if name not in known]
    if unknown or not wanted:
        raise InputError(
            f"--languages: unknown language {', '.join(map(repr, unknown)) or '(none given)'} "
            f"(known: {', '.join(sorted(known))})"
        )
    return attribute_lines(tuple(known[name] for name in wanted))


@dataclass(frozen=True)
class DoctorReport:
    lines: list[str]
    ok: bool


def doctor(repo: Path) -> DoctorReport:
    """Say what is configured, then prove with a throwaway repository that git runs the driver."""
    lines: list[str] = []
    version = ".".join(map(str, git_version()))
    labels = "passes %S %X %Y" if supports_label_placeholders() else "passes no labels (needs 2.44)"
    lines.append(f"git {version}: {labels}")
    lines.append(f"this smartmerge runs on {sys.executable}")
    in_repo = git("rev-parse", "--show-toplevel", cwd=repo, check=False)
    cwd = Path(in_repo.out) if in_repo.returncode == 0 else repo
    origin = git("config", "--show-origin", "--get", DRIVER_KEY, cwd=cwd, check=False)
    if origin.returncode != 0:
        lines.append(f"driver: not configured ({DRIVER_KEY} is unset); run: smartmerge install")
        return DoctorReport(lines, False)
    where, _, command = origin.out.partition("\t")
    lines.append(f"driver: {command}  ({where})")
    ok = True
    interpreter = driver_interpreter(command)
    if not (os.path.isfile(interpreter) and os.access(interpreter, os.X_OK)):
        lines.append(f"problem: the driver's interpreter {interpreter!r} is not an executable file")
        ok = False
    if DRIVER_SIGNATURE in command and OFF_SWITCH_CASE not in command:
        # an older line still merges right, only SMARTMERGE=0 pays Python's start-up: no failure
        lines.append(f"note: the driver line is an older one, without the {OFF_SWITCH}=0 switch in the line "
                     "(each file then starts Python); run smartmerge install to update it")
    if in_repo.returncode == 0:
        attr = git("check-attr", "merge", "--", "example.py", cwd=cwd, check=False).out
        if attr.endswith(": smartmerge"):
            lines.append("attributes: *.py files in this repository use the smartmerge driver")
        else:
            lines.append(f"problem: *.py files do not use the driver here ({attr or 'no attributes'})")
            ok = False
    probe_ok, probe_line = _probe(command)
    lines.append(probe_line)
    return DoctorReport(lines, ok and probe_ok)


_PROBE_BASE = "a = 1\n\n\ndef f():\n    return 1\n"
_PROBE_LEFT = "a = 2\n\n\ndef f():\n    return 1\n"
_PROBE_RIGHT = "a = 1\n\n\ndef f():\n    return 2\n"
_PROBE_MERGED = "a = 2\n\n\ndef f():\n    return 2\n"


def _probe(command: str) -> tuple[bool, str]:
    """A test merge through git in a throwaway repository with the configured driver."""
    identity = ["-c", "user.name=smartmerge doctor", "-c", "user.email=doctor@smartmerge.invalid",
                "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"]
    with tempfile.TemporaryDirectory(prefix="smartmerge-doctor-") as tmp:
        root = Path(tmp)
        try:
            git("init", "-q", "-b", "main", cwd=root)
            git("config", DRIVER_KEY, command, cwd=root)
            (root / ".gitattributes").write_text(f"{ATTRIBUTES_LINE}\n")
            (root / "probe.py").write_text(_PROBE_BASE)
            git("add", ".", cwd=root)
            git(*identity, "commit", "-q", "-m", "base", cwd=root)
            git("checkout", "-q", "-b", "side", cwd=root)
            (root / "probe.py").write_text(_PROBE_RIGHT)
            git(*identity, "commit", "-q", "-am", "right", cwd=root)
            git("checkout", "-q", "main", cwd=root)
            (root / "probe.py").write_text(_PROBE_LEFT)
            git(*identity, "commit", "-q", "-am", "left", cwd=root)
            # the probe is about smartmerge: SMARTMERGE=0 in doctor's environment must not skip it
            merge = git(*identity, "merge", "-q", "--no-edit", "side", cwd=root, check=False, env={OFF_SWITCH: ""})
        except GitError as exc:
            return False, f"problem: the test merge could not be set up: {exc}"
        log_path = root / ".git" / review.DRIVER_LOG
        used = log_path.exists() and "probe.py" in log_path.read_text(encoding="utf-8")
        merged = (root / "probe.py").read_text()
        if merge.returncode == 0 and used and merged == _PROBE_MERGED:
            return True, "test merge: git ran the smartmerge driver and the result is right"
        if not used:
            detail = merge.stderr.decode("utf-8", "replace").strip().replace("\n", " | ")
            return False, f"problem: git did not run the smartmerge driver in a test merge ({detail or 'no output'})"
        return False, f"problem: the test merge through the driver gave a wrong result (git exit {merge.returncode})"


# --- Jujutsu: a merge tool entry (jj resolve --tool smartmerge)

JJ_BEGIN = "# added by smartmerge install --jj (smartmerge uninstall --jj removes this block)"
JJ_END = "# end of smartmerge install --jj"


def jj_config_file() -> Path:
    """The user's jj config file: $JJ_CONFIG when it names a file, else $XDG_CONFIG_HOME/jj/config.toml."""
    configured = os.environ.get("JJ_CONFIG")
    if configured and not os.path.isdir(configured):
        return Path(configured)
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(xdg) / "jj" / "config.toml"


def jj_tool_block(python: str | None = None) -> str:
    """The ``[merge-tools.smartmerge]`` table: jj passes $base $left $right, reads $output,
    and treats exit 1 as "conflicts left" (markers in git's style, which smartmerge writes)."""
    args = ["-m", "smartmerge", "merge", "$base", "$left", "$right", "-o", "$output",
            "-p", "$path", "-l", "$marker_length"]
    quoted = ", ".join(_toml_string(arg) for arg in args)
    return "\n".join([
        JJ_BEGIN,
        "[merge-tools.smartmerge]",
        f"program = {_toml_string(python or sys.executable)}",
        f"merge-args = [{quoted}]",
        "merge-conflict-exit-codes = [1]",
        'conflict-marker-style = "git"',
        JJ_END,
        "",
    ])


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _without_jj_block(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if JJ_BEGIN + "\n" not in lines:
        return text
    start = lines.index(JJ_BEGIN + "\n")
    end = next((i for i in range(start, len(lines)) if lines[i].rstrip("\n") == JJ_END), len(lines) - 1)
    return "".join(lines[:start] + lines[end + 1 :])


def install_jj(python: str | None = None, config: Path | None = None) -> list[str]:
    """Write (or refresh) the merge tool entry in the user's jj config."""
    path = config or jj_config_file()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    rest = _without_jj_block(text)
    try:
        tools = tomllib.loads(rest).get("merge-tools", {})
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); nothing written") from None
    if "smartmerge" in tools:
        raise InputError(f"{path} already defines [merge-tools.smartmerge] (not written by smartmerge); nothing written")
    rest = rest.rstrip("\n") + "\n\n" if rest.strip() else ""
    new_text = rest + jj_tool_block(python)
    if new_text == text:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_text, encoding="utf-8")
    return [f"wrote [merge-tools.smartmerge] to {path}; use it with: jj resolve --tool smartmerge"]


def uninstall_jj(config: Path | None = None) -> list[str]:
    path = config or jj_config_file()
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    rest = _without_jj_block(text)
    if rest == text:
        return []
    if rest.strip():
        path.write_text(rest.rstrip("\n") + "\n", encoding="utf-8")
    else:
        path.unlink()
    return [f"removed [merge-tools.smartmerge] from {path}"]
