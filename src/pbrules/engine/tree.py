"""The organization tree of a run: parents as the dataset gives them, made a forest.

A ``parent_id`` outside the dataset makes a root (with a warning); a cycle is broken at its
smallest id (with a warning). Pass 2 visits the tree bottom-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pbrules.checker import ChildRef
from pbrules.model.result import RunWarning
from pbrules.model.snapshot import Organization

__all__ = ["Node", "bottom_up", "children_of", "effective_parents"]


@dataclass(frozen=True, slots=True)
class Node:
    """What the run keeps of an organization to build the tree."""

    id: str
    kind: str
    name: str
    category: str | None
    parent_id: str | None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as a constructor call (one per organization from a worker to the parent;
        cheaper to load than a frozen dataclass's default)."""
        return (Node, (self.id, self.kind, self.name, self.category, self.parent_id))

    @classmethod
    def of(cls, org: Organization) -> Node:
        """The node of an organization header."""
        return cls(
            id=org.id,
            kind=org.kind.value,
            name=org.name,
            category=org.category.value if org.category is not None else None,
            parent_id=org.parent_id,
        )


def effective_parents(
    nodes: Mapping[str, Node],
) -> tuple[dict[str, str | None], list[RunWarning]]:
    """Org id -> parent in the tree (None for a root), and warnings for dangling or cyclic links."""
    warnings: list[RunWarning] = []
    parents: dict[str, str | None] = {}
    for node_id in sorted(nodes):
        parent = nodes[node_id].parent_id
        if parent is not None and parent not in nodes:
            warnings.append(
                RunWarning(
                    org_id=node_id,
                    message=f"parent_id {parent} is not in the dataset; evaluated as a root",
                )
            )
            parent = None
        parents[node_id] = parent
    # Break cycles at their smallest id, deterministically.
    state: dict[str, int] = {}
    for start in sorted(nodes):
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parents[node]
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            head = min(cycle)
            parents[head] = None
            chain = " -> ".join([*cycle, cycle[0]])
            warnings.append(
                RunWarning(
                    org_id=head,
                    message=f"parent_id forms a cycle ({chain}); {head} evaluated as a root",
                )
            )
        for visited in path:
            state[visited] = 2
    return parents, warnings


def bottom_up(parents: Mapping[str, str | None]) -> list[str]:
    """Org ids with every organization after all of its subordinates (post-order by id)."""
    children: dict[str, list[str]] = {}
    for node_id in sorted(parents):
        parent = parents[node_id]
        if parent is not None:
            children.setdefault(parent, []).append(node_id)
    order: list[str] = []
    for root in sorted(n for n, p in parents.items() if p is None):
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, i = stack.pop()
            kids = children.get(node, [])
            if i < len(kids):
                stack.append((node, i + 1))
                stack.append((kids[i], 0))
            else:
                order.append(node)
    return order


def children_of(
    nodes: Mapping[str, Node], parents: Mapping[str, str | None]
) -> dict[str, tuple[ChildRef, ...]]:
    """Org id -> its direct subordinates in the tree (by id), for organizations that have any."""
    children: dict[str, list[ChildRef]] = {}
    for node_id in sorted(nodes):
        parent = parents[node_id]
        if parent is not None:
            n = nodes[node_id]
            children.setdefault(parent, []).append(
                ChildRef(id=n.id, kind=n.kind, name=n.name, category=n.category)
            )
    return {k: tuple(v) for k, v in children.items()}
