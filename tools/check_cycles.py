"""Report every import circle among the package's modules; exit 1 if there is one.

import-linter's layers contract forbids imports up the layers; this also forbids
circles inside a layer. The graph is grimp's (the one import-linter builds), which
counts imports inside functions as imports, as they are. A package's ``__init__`` is a
module like any other here.

    python tools/check_cycles.py [PACKAGE]
"""

from __future__ import annotations

import sys

import grimp


def circles(package: str) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    # Imports under `if TYPE_CHECKING:` never run, so they close no circle.
    graph = grimp.build_graph(package, exclude_type_checking_imports=True)
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def edges(m: str) -> list[str]:
        return sorted(graph.find_modules_directly_imported_by(m))

    for root in modules:
        if root in index:
            continue
        # Iterative Tarjan, so that deep graphs do not hit the recursion limit.
        work = [(root, iter(edges(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def main(argv: list[str]) -> int:
    package = argv[1] if len(argv) > 1 else "mpsp_qual"
    found = circles(package)
    if not found:
        print(f"{package}: 0 import circles.")
        return 0
    for component in found:
        print(f"import circle of {len(component)} modules: {', '.join(component)}")
    print(
        f"{package}: {len(found)} import circle(s); break each by moving the shared code down a layer."
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
