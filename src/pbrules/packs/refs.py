"""Criteria that refer to other criteria (composites): one depth-first walk for the loader and
the engine alike, giving the order to evaluate them in and the reference cycles."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

__all__ = ["walk_references"]

K = TypeVar("K", bound=Hashable)


def walk_references(
    nodes: Iterable[K], refs: Callable[[K], Iterable[K]]
) -> tuple[list[K], list[list[K]]]:
    """Every node after the nodes it refers to, and each cycle met on the way.

    ``refs(node)`` gives the nodes it refers to (only nodes of the walk). A cycle is reported
    once, as the path that leads back to its first node (``[a, b, a]``); the walk goes on past it.
    """
    state: dict[K, bool] = {}  # node -> done (False while it is being visited)
    order: list[K] = []
    cycles: list[list[K]] = []

    def visit(node: K, path: tuple[K, ...]) -> None:
        done = state.get(node)
        if done:
            return
        if done is False:
            cycles.append([*path[path.index(node) :], node])
            return
        state[node] = False
        for ref in refs(node):
            visit(ref, (*path, node))
        state[node] = True
        order.append(node)

    for node in nodes:
        visit(node, ())
    return order, cycles
