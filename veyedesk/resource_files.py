"""Where the files of `resources/` are: the copy packaged in the wheel, or a source checkout.

A wheel (`pip install .`, `pipx install .`) carries them as `veyedesk/resources/` (setup.py
copies them in at build time); a checkout or an editable install reads `resources/` beside
the package. Qt-free and import-free, so every layer may ask.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# Packaged first: in an installed wheel, the folder beside the package is site-packages.
CANDIDATES = (_PACKAGE / "resources", _PACKAGE.parent / "resources")
# A file every copy of resources/ has, to tell ours from someone else's folder.
_MARKER = Path("icons") / "veyedesk.svg"


def resources_dir() -> Path:
    """The `resources` folder in use (the checkout's when none is found, for the message)."""
    for root in CANDIDATES:
        if (root / _MARKER).is_file():
            return root
    return CANDIDATES[1]


def resource_path(relative: str) -> Path:
    """Absolute path of `resources/<relative>`."""
    return resources_dir() / relative
