/**
 * An opened composite instance: its inner blocks, wires and boundary ports on a read-only
 * canvas of their own, with the engine's live values of that instance (its flat nodes
 * ``zone_3__pid``...) and the validation issues found inside it. Breadcrumbs (or Escape) go
 * back; double-clicking a composite inside opens that one.
 */
import { Background, Controls, type NodeTypes, ReactFlow, ReactFlowProvider, useEdgesState, useNodesState } from "@xyflow/react";
import { useEffect, useMemo } from "react";
import type { Graph, ValidationIssue } from "../../api/types";
import type { CompositeEdit } from "../../hooks/useCompositeEdit";
import type { CompositeView } from "../../hooks/useCompositeView";
import {
  type Level,
  type NodeValues,
  definitionOf,
  inputValues,
  insideFlow,
  isComposite,
  issuesInside,
  outputUnit,
  valuesInside,
} from "../../lib/compositeInside";
import type { BlockNode as BlockNodeType, WireEdge } from "../../lib/graph";
import { type PointUnit, liveText, nodeUnit } from "../../lib/liveUnits";
import { BlockNode } from "../BlockNode";
import { PinNode, type PinNodeType } from "./PinNode";
import "./compositeInside.css";

const nodeTypes: NodeTypes = { block: BlockNode, pin: PinNode };
const FIT_VIEW = { maxZoom: 1, padding: 0.15 };
type AnyNode = BlockNodeType | PinNodeType;

export function CompositeInside({
  graph,
  levels,
  view,
  edit,
  flowName,
  values,
  pointUnits,
  issues,
}: {
  graph: Graph | null;
  levels: Level[];
  view: CompositeView;
  edit: CompositeEdit;
  flowName: string;
  values: NodeValues;
  pointUnits: Map<string, PointUnit>;
  issues: ValidationIssue[] | null;
}) {
  const level = levels[levels.length - 1]!;
  const path = useMemo(() => levels.map((l) => l.id), [levels]);
  const def = level.definition;
  return (
    <div className="canvas composite-inside" data-testid="composite-inside">
      <div className="inside-bar">
        <nav className="breadcrumbs" aria-label="Composite path">
          <ol>
            <li>
              <button type="button" onClick={() => view.up(0)}>
                {flowName}
              </button>
            </li>
            {levels.map((l, i) =>
              i === levels.length - 1 ? (
                <li key={l.id} aria-current="page">
                  {l.label}
                </li>
              ) : (
                <li key={l.id}>
                  <button type="button" onClick={() => view.up(i + 1)}>
                    {l.label}
                  </button>
                </li>
              ),
            )}
          </ol>
        </nav>
        <span className="muted" data-testid="inside-version" title={`${def.title || def.name}, version ${def.version}. Escape goes back.`}>
          {def.title || def.name} · version {def.version} · {edit.editing ? "editing: every instance changes" : "read-only"} · Esc: back
        </span>
        {edit.editing ? (
          <button type="button" onClick={edit.stop}>
            Done
          </button>
        ) : (
          <button type="button" onClick={edit.start} disabled={edit.blocked !== null} title={edit.blocked ?? "Change the blocks inside: every instance of this composite changes, as a new version"}>
            Edit definition
          </button>
        )}
      </div>
      <div className="inside-flow">
        <ReactFlowProvider key={path.join(">")}>
          <InsideCanvas graph={graph} levels={levels} path={path} level={level} view={view} edit={edit} values={values} pointUnits={pointUnits} issues={issues} />
        </ReactFlowProvider>
      </div>
    </div>
  );
}

function InsideCanvas({
  graph,
  levels,
  path,
  level,
  view,
  edit,
  values,
  pointUnits,
  issues,
}: {
  graph: Graph | null;
  edit: CompositeEdit;
  levels: Level[];
  path: string[];
  level: Level;
  view: CompositeView;
  values: NodeValues;
  pointUnits: Map<string, PointUnit>;
  issues: ValidationIssue[] | null;
}) {
  const def = level.definition;
  const base = useMemo(() => insideFlow(def), [def]);
  const [nodes, setNodes, onNodesChange] = useNodesState<AnyNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<WireEdge>([]);

  useEffect(() => {
    setNodes([...base.nodes, ...base.pins.map((p) => ({ ...p, type: "pin" as const, selectable: false }))]);
    setEdges(base.edges);
  }, [base, setNodes, setEdges]);

  // Live values of this instance's flat nodes, issues found inside it, and the selection.
  const live = useMemo(() => valuesInside(graph, def, path, values), [graph, def, path, values]);
  const incoming = useMemo(() => inputValues(graph, levels, values, pointUnits), [graph, levels, values, pointUnits]);
  const marks = useMemo(() => issuesInside(issues ?? [], path), [issues, path]);
  const { selected } = view;
  useEffect(() => {
    setNodes((ns) =>
      ns.map((n): AnyNode => {
        if (n.type === "pin") {
          const d = n.data;
          if (d.side === "in") {
            const v = incoming.get(d.name);
            return { ...n, data: { ...d, live: v ? liveText(v.value[0], v.value[1], v.unit) : undefined } };
          }
          const out = def.outputs.find((o) => o.name === d.name);
          const v = out ? live.get(out.source.node)?.[out.source.port] : undefined;
          return { ...n, data: { ...d, live: v ? liveText(v[0], v[1], outputUnit(graph, def, d.name, pointUnits)) : undefined } };
        }
        const ports = live.get(n.id);
        let status: string | undefined;
        let text: Record<string, string> | undefined;
        if (ports) {
          const unit = nodeUnit(n.data.blockType, n.data.params as Record<string, unknown>, pointUnits);
          const nested = definitionOf(graph, n.data.blockType);
          text = {};
          status = "ok";
          for (const [port, [v, q]] of Object.entries(ports)) {
            text[port] = liveText(v, q, nested ? outputUnit(graph, nested, port, pointUnits) : unit);
            if (q !== "ok" && status === "ok") status = q;
          }
        }
        return { ...n, selected: n.id === selected, data: { ...n.data, live: text, status, issues: marks.get(n.id) ?? [] } };
      }),
    );
  }, [live, incoming, marks, selected, def, base, graph, pointUnits, setNodes]);

  return (
    <ReactFlow<AnyNode, WireEdge>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onNodeClick={(_, n) => view.select(n.type === "block" ? n.id : null)}
      onNodeDoubleClick={(_, n) => {
        if (n.type === "block" && isComposite(n.data.blockType)) view.open([...path, n.id]);
      }}
      onPaneClick={() => view.select(null)}
      nodesDraggable={edit.editing}
      onNodeDragStop={(_, n) => {
        if (n.type === "block") edit.move(n.id, n.position);
      }}
      nodesConnectable={false}
      edgesFocusable={false}
      deleteKeyCode={null}
      zoomOnDoubleClick={false}
      fitView
      fitViewOptions={FIT_VIEW}
      minZoom={0.2}
    >
      <Background gap={20} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
