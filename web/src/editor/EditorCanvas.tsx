import { useMemo } from "react";
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { Badge, Box, Group, Text, useComputedColorScheme } from "@mantine/core";
import type { Graph, GraphNode } from "../graph/model";
import { layout, nodeSize } from "../graph/layout";

const colors: Record<GraphNode["kind"], string> = {
  trigger: "var(--mantine-color-grape-filled)",
  step: "var(--mantine-color-blue-filled)",
  branch: "var(--mantine-color-orange-filled)",
  loop: "var(--mantine-color-teal-filled)",
  error: "var(--mantine-color-red-filled)",
};

/** How many problems a box has. */
export interface Counts {
  errors: number;
  warnings: number;
}

interface BoxData extends Record<string, unknown> {
  n: GraphNode;
  selected: boolean;
  counts?: Counts;
  onSelect: (path: string) => void;
}

type BoxNode = Node<BoxData, "box">;

// StepBox is a button: it is reached with Tab and chosen with Enter.
function StepBox({ data }: NodeProps<BoxNode>) {
  const { n, selected, counts } = data;
  const problems = counts ? counts.errors + counts.warnings : 0;
  const edge = selected ? "var(--mantine-primary-color-filled)" : "var(--mantine-color-default-border)";
  const said = [n.type, n.label, n.detail, problems ? `${problems} problem${problems > 1 ? "s" : ""}` : ""].filter(Boolean).join(", ");
  return (
    <button
      type="button" className="bistro-node" aria-pressed={selected} aria-label={said} title={said}
      onClick={() => data.onSelect(n.path)}
      style={{
        width: nodeSize.width, height: nodeSize.height, padding: "6px 10px", borderRadius: 8, display: "block",
        background: "var(--mantine-color-body)",
        borderStyle: "solid", borderWidth: selected ? "2px 2px 2px 5px" : "1px 1px 1px 5px",
        borderTopColor: edge, borderRightColor: edge, borderBottomColor: edge,
        borderLeftColor: counts?.errors ? "var(--mantine-color-red-filled)" : colors[n.kind], overflow: "hidden",
        boxShadow: selected ? "0 0 0 3px var(--mantine-primary-color-light)" : undefined,
      }}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <Group justify="space-between" wrap="nowrap" gap={4}>
        <Text size="xs" c="dimmed" tt="uppercase" fw={600} lh={1.3} truncate>{n.type}</Text>
        {problems > 0 && <Badge size="xs" color={counts?.errors ? "red" : "yellow"} aria-hidden>{problems}</Badge>}
      </Group>
      <Text size="sm" fw={600} truncate lh={1.4}>{n.label}</Text>
      {n.detail && <Text size="xs" c="dimmed" truncate ff="monospace">{n.detail}</Text>}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </button>
  );
}

const nodeTypes = { box: StepBox };

/** The editable picture of a flow: every box is a button that opens its settings. */
export function EditorCanvas({ graph, selected, counts, onSelect }: { graph: Graph; selected: string; counts: Map<string, Counts>; onSelect: (path: string) => void }) {
  const scheme = useComputedColorScheme("light");
  const { nodes, edges, height } = useMemo(() => {
    const { pos, height } = layout(graph);
    const nodes: BoxNode[] = graph.nodes.map((n) => ({
      id: n.id, type: "box", position: pos.get(n.id)!,
      data: { n, selected: n.path === selected, counts: counts.get(n.path), onSelect },
    }));
    const edges: Edge[] = graph.edges.map((e) => ({
      id: e.id, source: e.source, target: e.target, label: e.label, focusable: false,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: e.dashed ? { strokeDasharray: "6 4" } : undefined,
    }));
    return { nodes, edges, height: Math.max(320, Math.min(640, height + 100)) };
  }, [graph, selected, counts, onSelect]);
  return (
    <Box h={height} style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: 8 }} role="group" aria-label="Flow steps">
      <ReactFlow
        // A new box (or one fewer) fits the picture to the view again.
        key={graph.nodes.length}
        nodes={nodes} edges={edges} nodeTypes={nodeTypes} colorMode={scheme}
        nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} nodesFocusable={false} edgesFocusable={false}
        deleteKeyCode={null} disableKeyboardA11y
        // A click handler gives the boxes pointer events (React Flow turns
        // them off for boxes that cannot be selected or dragged).
        onNodeClick={(_, node) => onSelect(node.data.n.path)}
        fitView fitViewOptions={{ padding: 0.15, maxZoom: 1 }} minZoom={0.2}
        panOnScroll={false} zoomOnScroll={false} preventScrolling={false}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </Box>
  );
}
