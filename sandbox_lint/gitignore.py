"""Which paths git's ignore rules exclude, asked of git itself.

A folder walk skips what `.gitignore` files (in the folder and above it, up
to the repository's root, and below it), `.git/info/exclude` and the user's
`core.excludesFile` exclude: the same answer as `git check-ignore`, because
git gives it. Git's rules are subtle (negations, `dir/` patterns, `**`,
escapes, a file that cannot be re-included under an excluded folder,
`core.ignoreCase`); a second implementation would drift from them.

Cost: one `git check-ignore --stdin` per folder depth and repository, each
asking about every entry of that depth at once, so an ignored folder is
never entered and a walk makes a handful of calls whatever its size.

Decisions (docs/cli.md): patterns decide, as in ruff (`--no-index`: a file
git tracks but a pattern matches is skipped too); outside a repository no
`.gitignore` is read (ruff and git agree); a nested repository follows its
own rules; without a `git` program, or when git fails (a repository another
user owns), nothing is skipped and one warning says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable

# Variables that make git look for a repository elsewhere than the folder it runs in
# (set in git hooks); each path here is asked of the repository that holds it.
_LOCATING = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_NAMESPACE", "GIT_PREFIX")
_TIMEOUT_S = 120.0


def repository_root(folder: str, cache: dict[str, str | None]) -> str | None:
    """The folder holding `.git` (a folder, or a file in worktrees and submodules)
    at or above `folder` (real path), or None outside any repository."""
    found = cache.get(folder, "")
    if found != "":
        return found
    if os.path.exists(os.path.join(folder, ".git")):
        root: str | None = folder
    else:
        parent = os.path.dirname(folder)
        root = repository_root(parent, cache) if parent != folder else None
    cache[folder] = root
    return root


class GitIgnore:
    """Answers "does git ignore these paths?" for the walk of one command."""

    def __init__(self) -> None:
        self._git = shutil.which("git")
        self._roots: dict[str, str | None] = {}
        self._real: dict[str, str] = {}
        self._failed: set[str] = set()
        self.warnings: list[str] = []

    def _real_folder(self, folder: str) -> str:
        real = self._real.get(folder)
        if real is None:
            real = self._real[folder] = os.path.realpath(folder)
        return real

    def root_of(self, folder: str) -> str | None:
        return repository_root(self._real_folder(folder), self._roots)

    def ignored(self, entries: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The `(folder, name)` entries git ignores, grouped into one git call per repository."""
        by_root: dict[str, list[tuple[tuple[str, str], str]]] = {}
        for folder, name in entries:
            root = self.root_of(folder)
            if root is None or root in self._failed:
                continue
            relative = os.path.relpath(os.path.join(self._real_folder(folder), name), root)
            by_root.setdefault(root, []).append(((folder, name), relative))
        found: set[tuple[str, str]] = set()
        for root, items in by_root.items():
            answers = self._ask(root, [relative for _, relative in items])
            found.update(entry for (entry, _), ignored in zip(items, answers) if ignored)
        return found

    def is_ignored(self, path: str) -> bool:
        """One path (a folder named on the command line): is it, or a folder above it, ignored?"""
        folder, name = os.path.split(os.path.abspath(path))
        root = self.root_of(folder)
        if root is None or os.path.realpath(path) == root:
            return False
        return bool(self.ignored([(folder, name)]))

    def _ask(self, root: str, paths: list[str]) -> list[bool]:
        if not paths:
            return []
        if self._git is None:
            self._fail(root, "git is not installed")
            return [False] * len(paths)
        environment = {key: value for key, value in os.environ.items() if key not in _LOCATING}
        command = [self._git, "-C", root, "check-ignore", "--stdin", "-z", "--verbose", "--non-matching", "--no-index"]
        data = "".join(path.replace(os.sep, "/") + "\0" for path in paths).encode("utf-8", "surrogateescape")
        try:
            done = subprocess.run(command, input=data, capture_output=True, env=environment, timeout=_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self._fail(root, f"git check-ignore did not answer: {exc}")
            return [False] * len(paths)
        # Exit 0: some path is ignored, 1: none is; anything else is git's own error.
        fields = done.stdout.split(b"\0")
        if done.returncode not in (0, 1) or len(fields) != 4 * len(paths) + 1:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            self._fail(root, reason[0] if reason else f"git check-ignore exited with {done.returncode}")
            return [False] * len(paths)
        # Each answer is `source, line, pattern, path`; a `!pattern` match re-includes the path.
        patterns = fields[2::4][: len(paths)]
        return [bool(pattern) and not pattern.startswith(b"!") for pattern in patterns]

    def _fail(self, root: str, reason: str) -> None:
        self._failed.add(root)
        shown = os.path.relpath(root) if not os.path.relpath(root).startswith("..") else root
        self.warnings.append(f".gitignore files are not applied in {shown}: {reason}")
