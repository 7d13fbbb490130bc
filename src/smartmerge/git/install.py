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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from smartmerge.errors import InputError
from smartmerge.git import review
from smartmerge.git.gitcmd import GitError, git, git_version, repo_root, supports_label_placeholders

DRIVER_KEY = "merge.smartmerge.driver"
NAME_KEY = "merge.smartmerge.name"
DRIVER_NAME = "smartmerge: structured merge of Python files"
ATTRIBUTES_LINE = "*.py merge=smartmerge"
ATTRIBUTES_COMMENT = "# added by smartmerge install (smartmerge uninstall removes this and the next line)"
# the part of the driver command that identifies it as ours, whatever the interpreter
DRIVER_SIGNATURE = "-m smartmerge merge --git"


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


def driver_command(python: str | None = None, labels: bool | None = None) -> str:
    """The absolute driver line, with the label placeholders when this git expands them."""
    command = f"{_shell_quote(python or sys.executable)} {DRIVER_SIGNATURE} %O %A %B -p %P -l %L"
    if labels if labels is not None else supports_label_placeholders():
        command += " -s %S -x %X -y %Y"
    return command


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
    for attribute_line in attribute_lines:
        text = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
        if attribute_line not in (line.strip() for line in text.splitlines()):
            if text and not text.endswith("\n"):
                text += "\n"
            attributes.parent.mkdir(parents=True, exist_ok=True)
            attributes.write_text(f"{text}{ATTRIBUTES_COMMENT}\n{attribute_line}\n", encoding="utf-8")
            changes.append(f"added '{attribute_line}' to {attributes}")
    return changes


def uninstall(scope: Scope) -> list[str]:
    """Remove what install added, and nothing else."""
    changes: list[str] = []
    driver = _get(scope, DRIVER_KEY)
    if driver is not None and DRIVER_SIGNATURE in driver:
        git("config", scope.config_flag, "--unset", DRIVER_KEY, cwd=scope.cwd)
        changes.append(f"removed {DRIVER_KEY}")
        if _get(scope, NAME_KEY) == DRIVER_NAME:
            git("config", scope.config_flag, "--unset", NAME_KEY, cwd=scope.cwd)
            changes.append(f"removed {NAME_KEY}")
        left = git("config", scope.config_flag, "--get-regexp", r"^merge\.smartmerge\.", cwd=scope.cwd, check=False)
        if not left.out:
            # git keeps an empty [merge "smartmerge"] header after the last --unset
            git("config", scope.config_flag, "--remove-section", "merge.smartmerge", cwd=scope.cwd, check=False)
    attributes = scope.attributes_file
    if attributes.exists():
        lines = attributes.read_text(encoding="utf-8").splitlines(keepends=True)
        kept: list[str] = []
        index = 0
        while index < len(lines):
            pair = [line.strip() for line in lines[index : index + 2]]
            # any line install wrote (``*.py`` or a language's, from ``--languages``)
            if len(pair) == 2 and pair[0] == ATTRIBUTES_COMMENT and pair[1].endswith(" merge=smartmerge"):
                index += 2
                continue
            kept.append(lines[index])
            index += 1
        if len(kept) != len(lines):
            if "".join(kept).strip():
                attributes.write_text("".join(kept), encoding="utf-8")
            else:
                attributes.unlink()
            changes.append(f"removed {(len(lines) - len(kept)) // 2} attribute line(s) from {attributes}")
    return changes


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
    interpreter = shlex.split(command)[0] if command.strip() else ""
    if not (os.path.isfile(interpreter) and os.access(interpreter, os.X_OK)):
        lines.append(f"problem: the driver's interpreter {interpreter!r} is not an executable file")
        ok = False
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
            merge = git(*identity, "merge", "-q", "--no-edit", "side", cwd=root, check=False)
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
