"""Settings of one check: which rules are on and the resource limits.

Project configuration (`[tool.sandbox-lint]`: scripts, interface, per-file
ignores) lives in `config.py` and resolves to one `Settings` per file.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_DEPTH = 200


@dataclass(frozen=True)
class Settings:
    """select/ignore take codes or prefixes (`SBX1`, `SBX103`), as in ruff."""

    select: tuple[str, ...] = ("SBX",)
    ignore: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    honor_noqa: bool = True

    @classmethod
    def gate(cls, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> Settings:
        """The runtime gate: every rule on, `# noqa` ignored, nothing can weaken it."""
        return cls(select=("SBX",), ignore=(), max_bytes=max_bytes, max_depth=max_depth, honor_noqa=False)

    def enabled(self, code: str) -> bool:
        """The longest matching prefix wins; on a tie, ignore wins (ruff's rule)."""
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if best_select < 0:
            return False
        return best_select > best_ignore
