"""The house in layers (docs/architecture.md): every module imports on its own, and imports only
point down (a module may use its own layer and the ones below it, never one above)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mock_iovox

PACKAGE = Path(mock_iovox.__file__).parent

#: top to bottom; a name is the first part below `mock_iovox` (a package or a module)
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(names.split())
    for names in (
        "cli pytest_plugin launcher testcontainers __main__",  # clients of the layers below
        "server",  # HTTP: the app, the endpoint, dispatch, batching, kept answers, serving
        "openapi openapi_control coverage",  # documents generated from the catalogue and the routes
        "admin",  # the control plane and the dashboard
        "handlers",  # one module per vendor interface
        "domain calls flows numbering fakes",  # rules shared by interfaces; engine, flows, numbers, fixtures
        "context",  # what a handler sees
        "catalog params payload wire xmlio errors auth settings outbound",  # the API as data; the wire
        "db clock",  # storage: models, engines, generations, effects; the clock kept in it
        "__init__",
    )
)


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path))
    return out


def _layer(module: str) -> int:
    first = module.split(".")[1] if "." in module else "__init__"
    for i, names in enumerate(LAYERS):
        if first in names:
            return i
    raise AssertionError(f"{module}: in no layer of tests/test_layers.py (add it where it belongs)")


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every mock_iovox module `path` imports, at the top or inside a function."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith("mock_iovox")
        ):
            assert node.module is not None
            names = (
                [f"mock_iovox.{a.name}" for a in node.names] if node.module == "mock_iovox" else [node.module]
            )
            found.extend((name, node.lineno) for name in names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names if a.name.startswith("mock_iovox"))
    return found


def test_imports_only_point_down() -> None:
    upward = [
        f"{module} (line {line}) imports {target}"
        for module, path in _modules()
        for target, line in _imports(path)
        if target != "mock_iovox.__version__" and _layer(target) < _layer(module)
    ]
    assert upward == []


def test_every_module_imports_on_its_own() -> None:
    """Each module in a fresh interpreter state (the project's own suite imports the app first, which
    once hid a cycle between flows.store and calls.engine from the pytest plugin)."""
    names = [name for name, _ in _modules() if name != "mock_iovox.__main__"]
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m == 'mock_iovox' or m.startswith('mock_iovox.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
    )
    # two interpreters, each with half of the modules (one per core of the machines here)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, *names[i::2]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert out.strip() == ""


TESTS = Path(__file__).parent


def _test_imports(path: Path) -> list[tuple[str, int]]:
    """Every `tests.…` module `path` imports, at the top or inside a function."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("tests"):
            assert node.module is not None
            names = [f"tests.{a.name}" for a in node.names] if node.module == "tests" else [node.module]
            found.extend((name, node.lineno) for name in names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names if a.name.startswith("tests."))
    return found


def _is_test_module(name: str) -> bool:
    last = name.split(".")[-1]
    return last == "conftest" or last.startswith("test_")


def test_no_test_module_is_imported_by_another() -> None:
    """Shared test code lives in tests/helpers/ (or a support module such as tests/server.py): a test
    module or conftest imported by another module runs its fixtures and tests twice and ties two
    subjects together."""
    offenders = [
        f"{path.relative_to(TESTS.parent)} (line {line}) imports {target}"
        for path in sorted(TESTS.rglob("*.py"))
        for target, line in _test_imports(path)
        if _is_test_module(target)
    ]
    assert offenders == []
