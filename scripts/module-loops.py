#!/usr/bin/env python3
"""Fails when the top-level modules of a crate depend on each other in a loop.

Inside each crate, a module (a file `src/x.rs`, or a folder `src/x/` with everything under it)
depends on another when its code names `crate::other` (in a `use` line or inline); unit-test
modules (`#[cfg(test)] mod … {}`) are left out. Layers must
point one way: the store does not know the lookup above it, a domain module does not borrow
from the HTTP layer that serves it. Prints every loop found as `a -> b -> a` and exits 1.

    scripts/module-loops.py [CRATE_DIR ...]     default: every crate of the workspace
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRATES = ["core", "core/protocol", "core/reco", "fixtures", "ffi", "ffi/simulator", "sync-server"]

LINE_COMMENT = re.compile(r"//.*$", re.M)
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')
CRATE_PATH = re.compile(r"\bcrate::(?:\{([^}]*)\}|([a-z_][a-z0-9_]*))")
GROUPED = re.compile(r"(?:^|,)\s*([a-z_][a-z0-9_]*)")


TEST_MODULE = re.compile(r"#\[cfg\(test\)\](?:\s*#\[[^\]]*\])*\s*mod\s+[a-z_0-9]+\s*\{")


def without_test_modules(text: str) -> str:
    """Unit tests may reach up a layer to check what the code below them did."""
    while (m := TEST_MODULE.search(text)) is not None:
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        text = text[:m.start()] + text[i:]
    return text


def code_of(path: pathlib.Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = BLOCK_COMMENT.sub("", text)
    text = STRING.sub('""', text)
    text = LINE_COMMENT.sub("", text)
    return without_test_modules(text)


def module_of(src: pathlib.Path, file: pathlib.Path) -> str | None:
    rel = file.relative_to(src)
    if rel.parts[0] in ("lib.rs", "main.rs", "bin"):
        return None
    return rel.parts[0].removesuffix(".rs")


def graph(crate: pathlib.Path) -> dict[str, set[str]]:
    src = crate / "src"
    modules = {p.name.removesuffix(".rs") for p in src.iterdir()
               if (p.suffix == ".rs" and p.name not in ("lib.rs", "main.rs")) or
               (p.is_dir() and p.name != "bin")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for file in src.rglob("*.rs"):
        here = module_of(src, file)
        if here is None:
            continue
        for grouped, single in CRATE_PATH.findall(code_of(file)):
            names = GROUPED.findall(grouped) if grouped else [single]
            for name in names:
                if name in modules and name != here:
                    edges[here].add(name)
    return edges


def loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def cycle_in(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """One loop through the component's first module, for the message."""
    start = component[0]
    members = set(component)
    path = [start]
    seen = {start}
    while True:
        nxt = sorted(w for w in edges[path[-1]] if w in members)
        back = [w for w in nxt if w == start]
        if back and len(path) > 1:
            return path + [start]
        fresh = [w for w in nxt if w not in seen]
        if not fresh:
            return path + [nxt[0]] if nxt else path
        path.append(fresh[0])
        seen.add(fresh[0])


def main() -> int:
    crates = [pathlib.Path(a) for a in sys.argv[1:]] or [ROOT / c for c in CRATES]
    failed = False
    for crate in crates:
        edges = graph(crate)
        for component in loops(edges):
            failed = True
            print(f"{crate.name}: loop {' -> '.join(cycle_in(component, edges))}")
    if not failed:
        print(f"no module loops in {len(crates)} crates")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
