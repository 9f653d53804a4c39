"""The rules of the house, checked on the source: no import cycle inside `bot/`, no ORM in handlers, no Python
file over 400 lines, a docstring on every package of `bot/`, lark-oapi only in `bot/feishu/`."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

BOT = ROOT / "bot"
MAX_LINES = 400


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def bot_modules() -> dict[str, Path]:
    """Every module of `bot/` by dotted name (`bot.core.router`; a package by its own name, `bot.core`)."""
    return {_module_name(p): p for p in _python_files("bot")}


def imported_names(path: Path, name: str, is_package: bool) -> set[str]:
    """The dotted names a module imports, at module level and inside functions, relative imports resolved:
    `from bot.x import y` gives `bot.x.y` (`_resolve` maps it to `bot.x.y` when that is a module, else to
    `bot.x`)."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            found.update(base if alias.name == "*" else f"{base}.{alias.name}" for alias in node.names)
    return found


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The module an imported name stands for: the name itself when it is a module or a package, else the
    longest prefix that is one (`bot.core.router.Router` → `bot.core.router`)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """Module → the `bot` modules it imports."""
    modules = bot_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = imported_names(path, name, _is_package(path))
        resolved = {_resolve(t, modules) for t in targets if t == "bot" or t.startswith("bot.")}
        graph[name] = {r for r in resolved if r is not None and r != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path `[a, b, …, a]`, or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt, black) == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour.get(nxt) == white:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        colour[node] = black
        return None

    for start in sorted(graph):
        if colour[start] == white:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


# ---- the checker checks itself -----------------------------------------------------------------------------------


def test_find_cycle_reports_the_path_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_are_resolved_relative_and_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from . import sibling\nfrom ..other import thing\n\n\ndef f():\n    from bot.deep.mod import name\n"
        "    import bot.x\n"
    )
    assert imported_names(source, "bot.pkg.m", is_package=False) == {
        "bot.pkg.sibling",
        "bot.other.thing",
        "bot.deep.mod.name",
        "bot.x",
    }
    package_init = tmp_path / "__init__.py"
    package_init.write_text("from .sub import y\nfrom . import z\n")
    assert imported_names(package_init, "bot.pkg", is_package=True) == {"bot.pkg.sub.y", "bot.pkg.z"}


def test_from_bot_import_resolves_to_the_module_or_package_it_names():
    modules = {"bot": Path(), "bot.core": Path(), "bot.core.router": Path(), "bot.config": Path()}
    assert _resolve("bot.config", modules) == "bot.config"  # from bot import config
    assert _resolve("bot.core", modules) == "bot.core"  # from bot import core (a package)
    assert _resolve("bot.core.router", modules) == "bot.core.router"  # from bot.core import router
    assert _resolve("bot.core.router.Router", modules) == "bot.core.router"  # from bot.core.router import Router
    assert _resolve("bot.core.Context", modules) == "bot.core"  # a name the package itself defines


# ---- the rules ----------------------------------------------------------------------------------------------------


def test_no_import_cycle_inside_bot():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_handlers_do_not_import_the_orm():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _python_files("handlers")
        for name in sorted(imported_names(path, _module_name(path), _is_package(path)))
        if name.split(".")[0] in ("sqlmodel", "sqlalchemy")
    ]
    assert not offenders, "\n".join(offenders)


def test_no_python_file_over_400_lines():
    too_long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in _python_files("bot", "handlers", "tests")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not too_long, "\n".join(too_long)


def test_every_package_in_bot_says_what_it_owns():
    missing = [
        str(init.relative_to(ROOT))
        for init in sorted(BOT.rglob("__init__.py"))
        if "__pycache__" not in init.parts and not ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    ]
    missing += [
        f"{folder.relative_to(ROOT)}/ (no __init__.py)"
        for folder in sorted(p for p in BOT.rglob("*") if p.is_dir())
        if "__pycache__" not in folder.parts and any(folder.glob("*.py")) and not (folder / "__init__.py").exists()
    ]
    assert not missing, "packages without a docstring:\n" + "\n".join(missing)


def test_only_the_feishu_package_imports_lark_oapi():
    feishu = BOT / "feishu"
    offenders = [
        str(path.relative_to(ROOT))
        for path in _python_files("bot", "handlers")
        if feishu not in path.parents
        and any(
            name.split(".")[0] == "lark_oapi" for name in imported_names(path, _module_name(path), _is_package(path))
        )
    ]
    assert not offenders, "lark_oapi imported outside bot/feishu/:\n" + "\n".join(offenders)
