"""The house rules, checked on the source (an AST walk, nothing imported): file size, layering,
no import cycles (lazy imports included), a header docstring per module, the package map.

Run: python -m pytest tests/test_layout.py
Each rule is a function over the tree, so tests/test_layout.py also checks that a deliberate
violation (written to a temporary tree) is caught.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 350
CORE_FORBIDDEN = ("gradio", "plotly", "bertviz", "lmlab.ui")  # the core returns data
TOOL_PACKAGES = ("lmlab.ui", "lmlab.bench", "lmlab.cli")  # everything else is the core
HEADER = re.compile(r"^(Lesson|Lessons|Tool|Command|Commands|Part of|Tab|Used by)\b|\(tool\)",
                    re.M)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for app.py and every file of lmlab/."""
    out = {"app": root / "app.py"} if (root / "app.py").exists() else {}
    for path in sorted((root / "lmlab").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(path: Path) -> set[str]:
    """Every module named by an import anywhere in the file (inside functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def internal_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the lmlab modules it imports (a package's own submodules excluded)."""
    graph = {}
    for name, path in mods.items():
        deps = {d for d in imports(path) if d in mods and d != name}
        graph[name] = {d for d in deps if not d.startswith(name + ".")}
    return graph


def is_core(name: str) -> bool:
    return name.startswith("lmlab") and not any(
        name == t or name.startswith(t + ".") for t in TOOL_PACKAGES)


# ----------------------------------------------------------------------------- the rules


def long_files(mods) -> list[str]:
    return [f"{n}: {len(p.read_text().splitlines())} lines" for n, p in mods.items()
            if len(p.read_text().splitlines()) > MAX_LINES]


def core_ui_imports(mods) -> list[str]:
    bad = []
    for name, path in mods.items():
        if is_core(name):
            bad += [f"{name} imports {d}" for d in imports(path)
                    if any(d == f or d.startswith(f + ".") for f in CORE_FORBIDDEN)]
    return bad


def bench_imports(mods) -> list[str]:
    bad = []
    for name, path in mods.items():
        if name.startswith(("lmlab.bench", "lmlab.cli")):
            continue
        bad += [f"{name} imports {d}" for d in imports(path) if d.startswith("lmlab.bench")]
    return bad


def cycles(mods) -> list[str]:
    graph, found, state = internal_graph(mods), [], {}

    def visit(node, stack):
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                found.append(" -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def missing_headers(mods) -> list[str]:
    bad = []
    for name, path in mods.items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        if not doc:
            bad.append(f"{name}: no module docstring")
        elif name != "lmlab" and not HEADER.search(doc):
            bad.append(f"{name}: the docstring names no lesson, tab or tool")
    return bad


def unmapped(mods, root: Path = ROOT) -> list[str]:
    """Modules the package map (lmlab/__init__.py, a package's own map) does not name."""
    maps = "".join(p.read_text(encoding="utf-8") for p in (root / "lmlab").rglob("__init__.py"))
    return [n for n in mods if n.startswith("lmlab.") and not n.endswith("__main__")
            and f"``{n}``" not in maps]


RULES = [long_files, core_ui_imports, bench_imports, cycles, missing_headers, unmapped]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_house_rule_holds(rule):
    broken = rule(modules())
    assert not broken, "\n".join(broken)


def test_a_deliberate_violation_is_caught(tmp_path):
    pkg = tmp_path / "lmlab"
    (pkg / "ui").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""map: ``lmlab.a``"""\n')
    (pkg / "ui" / "__init__.py").write_text('"""Tool: UI."""\n')
    (pkg / "a.py").write_text('"""Lesson: x."""\nimport gradio\nimport lmlab.b\n' + "x = 1\n" * 400)
    (pkg / "b.py").write_text('"""nothing"""\ndef f():\n    import lmlab.a\n    import lmlab.bench\n')
    mods = modules(tmp_path)
    assert long_files(mods) and core_ui_imports(mods) and bench_imports(mods)
    assert cycles(mods) == ["lmlab.a -> lmlab.b -> lmlab.a"]
    assert missing_headers(mods) == ["lmlab.b: the docstring names no lesson, tab or tool"]
    assert unmapped(mods, tmp_path) == ["lmlab.b", "lmlab.ui"]
