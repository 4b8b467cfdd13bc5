"""Settings of one check: which rules are on and the resource limits.

Project configuration (`[tool.sandbox-lint]`: scripts, interface, per-file
ignores) lives in `config.py` and resolves to one `Settings` per file.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_DEPTH = 200
# libcst's cost grows with tokens and with bracket nesting (each bracket as
# deep as it is nested): about 2 KB and up to 25 µs per unit here. 80,000
# units keep any check under ~2 s and ~200 MB (about 2,500 lines of ordinary
# code; host files count only their sandbox code).
DEFAULT_MAX_UNITS = 80_000


@dataclass(frozen=True)
class Settings:
    """select/ignore take codes or prefixes (`SBX1`, `SBX103`), as in ruff."""

    select: tuple[str, ...] = ("SBX",)
    ignore: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    honor_noqa: bool = True
    max_units: int = DEFAULT_MAX_UNITS

    @classmethod
    def gate(
        cls, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH, max_units: int = DEFAULT_MAX_UNITS
    ) -> Settings:
        """The runtime gate: every rule on, `# noqa` ignored, nothing can weaken it."""
        return cls(
            select=("SBX",), ignore=(), max_bytes=max_bytes, max_depth=max_depth, honor_noqa=False, max_units=max_units
        )

    def enabled(self, code: str) -> bool:
        """The longest matching prefix wins; on a tie, ignore wins (ruff's rule)."""
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if best_select < 0:
            return False
        return best_select > best_ignore
