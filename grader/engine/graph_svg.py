"""Draw a worked-solution graph as a self-contained SVG (no graphviz, no CDN, no script).

Nodes are laid out in layers from the define order: inputs on top, each defined name one
layer below the lowest of its inputs, the function at the bottom; within a layer, nodes are
ordered by the mean position of their inputs so edges cross less. Text keeps its size (the
picture is as wide as it needs and the page scrolls it sideways on a phone), and the SVG
carries a title and a description that say in words what it shows.
"""

from __future__ import annotations

from html import escape

from .solution import GraphEdge, GraphNode, Solution, short_number

FONT = 13  # px; the page never scales the SVG down, so text stays readable on a phone
CHAR_W = 7.4  # average advance of a 13 px sans-serif character
LINE_H = 17
PAD_X, PAD_Y = 10, 8
GAP_X, GAP_Y = 56, 150
MARGIN = 12
MAX_LABEL = 44  # characters of a formula shown in a box or on an edge


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _node_lines(sol: Solution, node: GraphNode) -> list[str]:
    if sol.level == "ops":
        lines = [node.expression or node.name]
    elif node.expression:
        lines = [_clip(f"{node.name} = {node.expression}")]
    else:
        lines = [f"{node.name} ({node.kind})"]
    if node.value is not None:
        prefix = "grad " if sol.level == "ops" else "= "
        lines.append(prefix + short_number(node.value))
    return lines


def _edge_label(sol: Solution, edge: GraphEdge) -> str:
    if not sol.values_shown or sol.level == "ops":
        return ""
    parts = [edge.symbol]
    if edge.text is not None:
        parts.append(_clip(edge.text))
    if edge.value is not None:
        parts.append(short_number(edge.value))
    return " = ".join(dict.fromkeys(parts))


def _layers(sol: Solution) -> dict[str, int]:
    """Longest distance from an input, in topological (Kahn) order: each node sits one layer
    below the lowest of its inputs."""
    users: dict[str, list[str]] = {}
    indegree = {n.name: 0 for n in sol.nodes}
    for e in _unique_edges(sol):
        users.setdefault(e.src, []).append(e.dst)
        indegree[e.dst] += 1
    layer = {name: 0 for name, d in indegree.items() if d == 0}
    ready = list(layer)
    while ready:
        name = ready.pop()
        for user in users.get(name, []):
            layer[user] = max(layer.get(user, 0), layer[name] + 1)
            indegree[user] -= 1
            if indegree[user] == 0:
                ready.append(user)
    return {n.name: layer.get(n.name, 0) for n in sol.nodes}


def _unique_edges(sol: Solution) -> list:
    seen: dict[tuple[str, str], object] = {}
    names = {n.name for n in sol.nodes}
    for e in sol.edges:
        if e.src in names and e.dst in names:
            seen.setdefault((e.src, e.dst), e)
    return list(seen.values())


def _place(sol: Solution) -> tuple[dict, dict, dict]:
    """Boxes: each node's lines, size and top-left corner."""
    layer = _layers(sol)
    rows: dict[int, list] = {}
    for n in sol.nodes:
        rows.setdefault(layer[n.name], []).append(n)
    lines = {n.name: _node_lines(sol, n) for n in sol.nodes}
    size = {
        name: (max(len(s) for s in ls) * CHAR_W + 2 * PAD_X, len(ls) * LINE_H + 2 * PAD_Y)
        for name, ls in lines.items()
    }
    inputs: dict[str, list[str]] = {}
    for e in _unique_edges(sol):
        inputs.setdefault(e.dst, []).append(e.src)
    widths = {r: sum(size[n.name][0] for n in ns) + GAP_X * (len(ns) - 1) for r, ns in rows.items()}
    width = max(widths.values(), default=100)
    centre: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {}
    y = 0.0
    for r in sorted(rows):
        ns = rows[r]
        if r > 0:  # order by the mean position of the inputs (barycentre)
            ns.sort(
                key=lambda n: (
                    sum(centre.get(s, 0.0) for s in inputs.get(n.name, []))
                    / max(1, len(inputs.get(n.name, [])))
                )
            )
        x = (width - widths[r]) / 2
        for n in ns:
            pos[n.name] = (x, y)
            centre[n.name] = x + size[n.name][0] / 2
            x += size[n.name][0] + GAP_X
        y += max(size[n.name][1] for n in ns) + GAP_Y
    return lines, size, pos


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(box: Box, boxes: list[Box]) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def render_svg(sol: Solution, *, element_id: str = "solution-graph") -> str:
    """The graph as an ``<svg>`` element, with its text alternative inside."""
    lines, size, pos = _place(sol)
    hi_edges, hi_nodes = set(sol.highlight_edges), set(sol.highlight_nodes)
    taken = [(x, y, x + size[n][0], y + size[n][1]) for n, (x, y) in pos.items()]
    body: list[str] = []
    labels: list[str] = []
    for e in _unique_edges(sol):
        (sx, sy), (dx, dy) = pos[e.src], pos[e.dst]
        x1, y1 = sx + size[e.src][0] / 2, sy + size[e.src][1]
        x2, y2 = dx + size[e.dst][0] / 2, dy
        missed = (e.src, e.dst) in hi_edges
        style = (
            'class="edge missed" stroke="#b91c1c" stroke-width="3" stroke-dasharray="7 4" '
            'marker-end="url(#arrow-missed)"'
            if missed
            else 'class="edge" stroke="#374151" stroke-width="1.4" marker-end="url(#arrow)"'
        )
        body.append(
            f'<line {style} data-from="{escape(e.src)}" data-to="{escape(e.dst)}" '
            f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
        )
        label = _edge_label(sol, e)
        if not label:
            continue
        half = len(label) * CHAR_W / 2
        for t in (0.5, 0.35, 0.65, 0.2, 0.8, 0.5):  # the first spot no other label covers
            lx, ly = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
            box = (lx - half, ly - FONT, lx + half, ly + 4)
            if not _overlaps(box, taken):
                break
        taken.append(box)
        weight, colour = ("700", "#991b1b") if missed else ("400", "#111827")
        labels.append(
            f'<text class="edge-label" x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="4" paint-order="stroke" '
            f'font-weight="{weight}">{escape(label)}</text>'
        )
    for n in sol.nodes:
        x, y = pos[n.name]
        w, h = size[n.name]
        missed = n.name in hi_nodes
        fill = {"variable": "#eff6ff", "param": "#f5f3ff", "leaf": "#eff6ff"}.get(n.kind, "#ffffff")
        stroke = 'stroke="#b91c1c" stroke-width="3"' if missed else 'stroke="#1f2937"'
        body.append(
            f'<g class="node{" missed" if missed else ""}" data-name="{escape(n.name)}">'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8" '
            f'fill="{fill}" {stroke}/>'
        )
        for k, line in enumerate(lines[n.name]):
            weight = ' font-weight="600"' if k == 0 else ""
            body.append(
                f'<text x="{x + w / 2:.1f}" y="{y + PAD_Y + LINE_H * (k + 0.75):.1f}" '
                f'text-anchor="middle" fill="#111827"{weight}>{escape(line)}</text>'
            )
        body.append("</g>")
    x0 = min((b[0] for b in taken), default=0) - MARGIN
    y0 = min((b[1] for b in taken), default=0) - MARGIN
    w = max((b[2] for b in taken), default=100) + MARGIN - x0
    h = max((b[3] for b in taken), default=100) + MARGIN - y0
    ident = escape(element_id)
    kind = f"d{sol.of}/d{sol.wrt}" if sol.level == "names" else "torch operations"
    title = f"Computation graph of {sol.of}, {kind}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="solution-graph" id="{ident}" '
        f'width="{w:.0f}" height="{h:.0f}" viewBox="{x0:.0f} {y0:.0f} {w:.0f} {h:.0f}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(sol.text_alternative())}</desc>'
        f"<defs>{_marker(ident, 'arrow', '#374151')}{_marker(ident, 'arrow-missed', '#b91c1c')}"
        "</defs>"
    )
    return (
        head
        + "".join(body).replace("url(#arrow", f"url(#{ident}-arrow")
        + "".join(labels)
        + "</svg>"
    )


def _marker(ident: str, name: str, colour: str) -> str:
    return (
        f'<marker id="{ident}-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        f'fill="{colour}"/></marker>'
    )
