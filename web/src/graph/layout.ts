import dagre from "@dagrejs/dagre";
import type { Graph } from "./model";

/** Size of a box on the canvas, in pixels. */
export const nodeSize = { width: 240, height: 68 };

/** Where the boxes go: top-left corners, and the size of the whole drawing. */
export interface Layout {
  pos: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
}

/** Lays the graph out top to bottom. */
export function layout(g: Graph): Layout {
  const d = new dagre.graphlib.Graph();
  d.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 56 });
  d.setDefaultEdgeLabel(() => ({}));
  g.nodes.forEach((n) => d.setNode(n.id, { ...nodeSize }));
  g.edges.forEach((e) => d.setEdge(e.source, e.target));
  dagre.layout(d);
  const out = new Map<string, { x: number; y: number }>();
  g.nodes.forEach((n) => {
    const p = d.node(n.id);
    out.set(n.id, { x: p.x - nodeSize.width / 2, y: p.y - nodeSize.height / 2 });
  });
  const { width = 0, height = 0 } = d.graph();
  return { pos: out, width, height };
}
