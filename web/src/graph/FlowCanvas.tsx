import { useMemo } from "react";
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { Box, Text, useComputedColorScheme } from "@mantine/core";
import type { Graph, GraphNode } from "./model";
import { layout, nodeSize } from "./layout";

const colors: Record<GraphNode["kind"], string> = {
  trigger: "var(--mantine-color-grape-filled)",
  step: "var(--mantine-color-blue-filled)",
  branch: "var(--mantine-color-orange-filled)",
  loop: "var(--mantine-color-teal-filled)",
  error: "var(--mantine-color-red-filled)",
};

type BoxNode = Node<{ n: GraphNode }, "box">;

function StepBox({ data }: NodeProps<BoxNode>) {
  const n = data.n;
  return (
    <Box
      style={{
        width: nodeSize.width, height: nodeSize.height, padding: "6px 10px", borderRadius: 8,
        background: "var(--mantine-color-body)", border: "1px solid var(--mantine-color-default-border)",
        borderLeft: `5px solid ${colors[n.kind]}`, overflow: "hidden",
      }}
      title={[n.type, n.label, n.detail].filter(Boolean).join("\n")}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lh={1.3}>{n.type}</Text>
      <Text size="sm" fw={600} truncate lh={1.4}>{n.label}</Text>
      {n.detail && <Text size="xs" c="dimmed" truncate ff="monospace">{n.detail}</Text>}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </Box>
  );
}

const nodeTypes = { box: StepBox };

/** The read-only picture of a flow: trigger, steps and their branches. */
export function FlowCanvas({ graph }: { graph: Graph }) {
  const scheme = useComputedColorScheme("light");
  const { nodes, edges, height } = useMemo(() => {
    const { pos, height } = layout(graph);
    const nodes: BoxNode[] = graph.nodes.map((n) => ({ id: n.id, type: "box", position: pos.get(n.id)!, data: { n } }));
    const edges: Edge[] = graph.edges.map((e) => ({
      id: e.id, source: e.source, target: e.target, label: e.label,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: e.dashed ? { strokeDasharray: "6 4" } : undefined,
    }));
    // Tall enough to show a short flow at full size; long ones scroll inside.
    return { nodes, edges, height: Math.max(240, Math.min(720, height + 80)) };
  }, [graph]);
  return (
    <Box h={height} style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: 8 }} aria-label="Flow diagram" role="img">
      <ReactFlow
        nodes={nodes} edges={edges} nodeTypes={nodeTypes} colorMode={scheme}
        nodesDraggable={false} nodesConnectable={false} elementsSelectable={false}
        fitView fitViewOptions={{ padding: 0.15, maxZoom: 1 }} minZoom={0.2}
        panOnScroll={false} zoomOnScroll={false} preventScrolling={false}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </Box>
  );
}
