"""The shape of the library, checked: small modules, no import cycle, no private name imported
across modules, and an explicit public API (``__all__``) in every module, as httpx does."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "assistant"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _top_level_imports(name: str, path: Path) -> set[str]:
    """Modules of ``assistant`` imported when ``name`` is imported: module-level statements
    only (imports inside functions run later; ``if TYPE_CHECKING:`` ones never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m in MODULES and m != name}


def test_no_module_is_over_500_lines() -> None:
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_no_import_cycle() -> None:
    graph = {name: _top_level_imports(name, path) for name, path in MODULES.items()}
    # A package imports its submodules' parents implicitly; only explicit edges count.
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def _python_files() -> list[Path]:
    files = list(PACKAGE.rglob("*.py")) + list((PROJECT_ROOT / "tests").rglob("*.py"))
    return [*files, PROJECT_ROOT / "app.py", PROJECT_ROOT / "evals" / "bench.py"]


def test_no_private_name_is_imported_across_modules() -> None:
    bad = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assistant"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        bad.append(f"{path.relative_to(PROJECT_ROOT)}: {node.module}.{alias.name}")
    assert not bad, bad


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n != "assistant.__main__"))
def test_public_api_is_declared(name: str) -> None:
    """Every module says what it offers (``__all__``), and each name it lists exists."""
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{name} has no __all__ list"
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists names it does not define: {missing}"


@pytest.mark.parametrize("name", ["assistant.index", "assistant.evals"])
def test_package_api_is_exactly_all(name: str) -> None:
    """A package's public names are the ones in its ``__all__`` (besides its submodules)."""
    module = importlib.import_module(name)
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and not isinstance(v, type(module)) and n != "annotations"}
    assert public == set(module.__all__)
