"""The stage graph of a run (seed §14.2) and its layout, for drawing.

The graph has the run's steps as nodes and three kinds of edge:

- ``forward``: each step leads to the next;
- ``branch``: "approval required? — no" goes from the gate straight to the deploy
  start, bypassing the approval step;
- ``rollback``: each canary stage's health gate can send the run to the
  "Auto-Rollback / Pause" node.

The layout places steps in columns by topological generation (the longest path
from the start), which is linear in the graph size and gives the same picture every
time; force-directed layouts are slow and move between runs (DESIGN §11). The
rollback node is not a stage in the sequence: it hangs beneath the canary stages it
serves.

The graph has a few dozen nodes at most, so it is a small adjacency structure of its
own rather than networkx: importing networkx costs ~0.13 s of CPU under the GIL, and
the GUI built its first graph while a run was advancing, stalling the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from engine.run import stages

ROLLBACK_NODE = "auto-rollback"
ROLLBACK_TITLE = "Auto-Rollback / Pause"

FORWARD = "forward"
BRANCH = "branch"
ROLLBACK = "rollback"

STEP = "step"
SIDE = "side"

MAIN_LANE = 0
ROLLBACK_LANE = 1


class StageGraphError(ValueError):
    """A step list that cannot be drawn (empty, or with a repeated step)."""


@dataclass(frozen=True)
class GraphNode:
    name: str
    title: str
    kind: str
    column: float
    lane: int


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    kind: str
    label: str = ""


@dataclass(frozen=True)
class StageGraphLayout:
    """Nodes with their column (0 … columns-1) and lane (0 main, 1 below), and edges."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    columns: int

    def node(self, name: str) -> GraphNode:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)


@dataclass
class StageGraph:
    """Nodes (``kind``, ``title``) and directed edges (``kind``, ``label``), both kept
    in insertion order so the layout is the same every time."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    succ: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def add_node(self, name: str, **data: str) -> None:
        self.nodes[name] = data
        self.succ.setdefault(name, {})

    def add_edge(self, source: str, target: str, **data: str) -> None:
        self.succ[source][target] = data

    def __contains__(self, name: object) -> bool:
        return name in self.nodes

    def successors(self, name: str) -> list[str]:
        return list(self.succ[name])

    def predecessors(self, name: str) -> list[str]:
        return [source for source, targets in self.succ.items() if name in targets]

    def edges(self) -> Iterator[tuple[str, str, dict[str, str]]]:
        for source, targets in self.succ.items():
            for target, data in targets.items():
                yield source, target, data


def stage_graph(steps: Sequence[str]) -> StageGraph:
    """The workflow's steps as a directed graph with ``kind`` on nodes and edges."""
    if not steps:
        raise StageGraphError("a stage graph needs at least one step")
    if len(set(steps)) != len(steps):
        raise StageGraphError("a step appears twice in the workflow")
    graph = StageGraph()
    for name in steps:
        graph.add_node(name, kind=STEP, title=stages.step_title(name))
    for source, target in zip(steps, steps[1:], strict=False):
        graph.add_edge(source, target, kind=FORWARD, label="")
    if stages.APPROVAL in graph:
        before = graph.predecessors(stages.APPROVAL)
        after = graph.successors(stages.APPROVAL)
        for source in before:
            for target in after:
                graph.add_edge(source, target, kind=BRANCH, label="no approval required")
    deploys = [name for name in steps if stages.deploy_percent(name) is not None]
    if deploys:
        graph.add_node(ROLLBACK_NODE, kind=SIDE, title=ROLLBACK_TITLE)
        for name in deploys:
            graph.add_edge(name, ROLLBACK_NODE, kind=ROLLBACK, label="health gate breached")
    return graph


def _generations(names: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Kahn's algorithm by layers: each generation is every node whose predecessors
    are all in earlier ones (the longest path from a start)."""
    waiting = {name: 0 for name in names}
    targets: dict[str, list[str]] = {name: [] for name in names}
    for source, target in edges:
        waiting[target] += 1
        targets[source].append(target)
    layer = [name for name in names if waiting[name] == 0]
    generations = []
    placed = 0
    while layer:
        generations.append(layer)
        placed += len(layer)
        following = []
        for name in layer:
            for target in targets[name]:
                waiting[target] -= 1
                if waiting[target] == 0:
                    following.append(target)
        layer = following
    if placed != len(names):
        raise StageGraphError("the workflow's steps form a cycle")
    return generations


def layout(graph: StageGraph) -> StageGraphLayout:
    """Columns from topological generations; lanes by node kind."""
    sequence = [name for name, data in graph.nodes.items() if data["kind"] == STEP]
    links = [(u, v) for u, v, data in graph.edges() if data["kind"] in (FORWARD, BRANCH)]
    columns: dict[str, float] = {}
    for generation, names in enumerate(_generations(sequence, links)):
        for name in names:
            columns[name] = float(generation)
    count = int(max(columns.values())) + 1

    nodes = []
    for name, data in graph.nodes.items():
        if data["kind"] == STEP:
            nodes.append(GraphNode(name, data["title"], STEP, columns[name], MAIN_LANE))
        else:
            feeders = [columns[p] for p in graph.predecessors(name) if p in columns]
            column = sum(feeders) / len(feeders) if feeders else 0.0
            nodes.append(GraphNode(name, data["title"], SIDE, column, ROLLBACK_LANE))
    edges = tuple(GraphEdge(u, v, data["kind"], data.get("label", ""))
                  for u, v, data in graph.edges())
    return StageGraphLayout(nodes=tuple(nodes), edges=edges, columns=count)


def layout_steps(steps: Sequence[str]) -> StageGraphLayout:
    return layout(stage_graph(steps))
