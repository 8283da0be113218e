"""services/face.py and the capability packages' faces: every public name loads, once."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import veyedesk.services
from veyedesk.services.face import lazy_face

PACKAGES = ["editing", "ingest", "pipeline", "encoding", "publishing", "venue", "admin"]


def _face_tree(package: str) -> ast.Module:
    return ast.parse(Path(veyedesk.services.__path__[0], package, "__init__.py").read_text())


def _lazy_names(package: str) -> dict[str, str]:
    for node in ast.walk(_face_tree(package)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_face":
            mapping = node.args[2]
            assert isinstance(mapping, ast.Dict)
            return {
                ast.literal_eval(k): ast.literal_eval(v)
                for k, v in zip(mapping.keys, mapping.values, strict=True)
            }  # type: ignore[arg-type]
    raise AssertionError(f"services.{package} has no lazy_face(...) call")


def _type_checking_names(package: str) -> dict[str, str]:
    names = {}
    for node in ast.walk(_face_tree(package)):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                names.update({a.name: imp.module.rsplit(".", 1)[1] for a in imp.names})
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_face_lists_each_name_once_for_mypy_and_at_run_time(package: str) -> None:
    # The TYPE_CHECKING block (what mypy and readers see) and the lazy map (what runs) agree.
    assert _lazy_names(package) == _type_checking_names(package)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_face_name_is_the_object_its_module_defines(package: str) -> None:
    face = importlib.import_module(f"veyedesk.services.{package}")
    for name, module in _lazy_names(package).items():
        real = getattr(importlib.import_module(f"veyedesk.services.{package}.{module}"), name)
        assert getattr(face, name) is real, f"services.{package}.{name}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_face_name_is_also_a_module_name(package: str) -> None:
    # Importing a submodule sets it as an attribute of the package: a face name equal to a
    # module's name would then be the module, not the function (venue.sync once was).
    face = importlib.import_module(f"veyedesk.services.{package}")
    modules = {m.name for m in pkgutil.iter_modules(face.__path__)}
    assert not modules & set(_lazy_names(package))


def test_unknown_name_is_an_attribute_error_naming_it() -> None:
    getattr_, dir_ = lazy_face("veyedesk.services.editing", {}, {"load_draft": "draft"})
    with pytest.raises(AttributeError, match="no_such_thing"):
        getattr_("no_such_thing")
    assert "load_draft" in dir_()


def test_face_caches_a_loaded_name() -> None:
    namespace: dict[str, object] = {}
    getattr_, _ = lazy_face("veyedesk.services.editing", namespace, {"load_draft": "draft"})
    value = getattr_("load_draft")
    assert namespace["load_draft"] is value
