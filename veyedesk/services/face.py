"""Package faces that load lazily: a capability package lists its public names once.

Each capability package under `services/` (editing, ingest, pipeline, ...) has one face, its
`__init__.py`, naming what other packages may use; import-linter keeps everyone else out of
its modules. The face loads a name's module on first use rather than all modules up front,
for two reasons: `veyedesk --help` and the listings must not pay for every capability, and
two capabilities that use each other's faces (editing and pipeline) would otherwise import
in a circle. The face's `if TYPE_CHECKING:` block gives mypy and readers the real names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_face(
    package: str, namespace: dict[str, Any], names: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, whose `names` map a name to its module."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no public name {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later look-ups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
