"""Where the files under resources/ are, in a checkout or an installed package."""

from __future__ import annotations

from pathlib import Path

_CANDIDATES = (
    Path(__file__).resolve().parents[2] / "resources",  # source checkout / editable install
    Path(__file__).resolve().parents[1] / "resources",  # packaged copy
)


def resource_path(relative: str) -> Path:
    """Absolute path of `resources/<relative>` (the first location that has it)."""
    for root in _CANDIDATES:
        candidate = root / relative
        if candidate.exists():
            return candidate
    return _CANDIDATES[0] / relative
