/** The flow editor: palette, canvas, parameters, validation, autosave, deploy, live values. */
import {
  Background,
  Controls,
  type Connection,
  MiniMap,
  type NodeTypes,
  ReactFlow,
  ReactFlowProvider,
  addEdge,
  useEdgesState,
  useNodesState,
  useReactFlow,
} from "@xyflow/react";
import {
  type DragEvent,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { ApiError, api, unwrap } from "../api/client";
import type {
  BlockSpec,
  BundleDiff,
  DeploymentEntry,
  EngineStatus,
  Graph,
  JsonValue,
  Project,
  ValidationIssue,
} from "../api/types";
import { BlockNode } from "../components/BlockNode";
import { CatalogueContext } from "../components/catalogue";
import { Dialog } from "../components/Dialog";
import { DRAG_MIME, Palette } from "../components/Palette";
import { ParamPanel, type PointOption } from "../components/ParamPanel";
import { Simulation } from "../components/Simulation";
import { connectionProblem, type ConnectionLike } from "../lib/connection";
import {
  type BlockNode as BlockNodeType,
  arrange,
  canonicalGraph,
  edgeId,
  fromFlow,
  newFlow,
  newNodeId,
  toFlow,
  type WireEdge,
} from "../lib/graph";
import { History } from "../lib/history";
import { type GraphDiff, graphDiff } from "../lib/diff";

// Declared once at module scope (xyflow performance guidance).
const nodeTypes: NodeTypes = { block: BlockNode };
const DELETE_KEYS = ["Delete", "Backspace"];
const AUTOSAVE_MS = 700;

type SaveState = "saved" | "dirty" | "saving" | "conflict" | "error";
type SidePanel = "params" | "validation" | "deployments" | "simulate";

function withGraph(project: Project, graph: Graph): Project {
  return { ...project, content: { ...project.content, graph } };
}

function EditorInner({ projectId }: { projectId: string }) {
  const flow = useReactFlow<BlockNodeType, WireEdge>();
  const [blocks, setBlocks] = useState<BlockSpec[]>([]);
  const catalogue = useMemo(() => new Map(blocks.map((b) => [b.type, b])), [blocks]);
  const [project, setProject] = useState<Project | null>(null);
  const [flowId, setFlowId] = useState<string>("");
  const [nodes, setNodes, onNodesChange] = useNodesState<BlockNodeType>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<WireEdge>([]);
  const [saveState, setSaveState] = useState<SaveState>("saved");
  const [message, setMessage] = useState<string | null>(null);
  const [issues, setIssues] = useState<ValidationIssue[] | null>(null);
  const [panel, setPanel] = useState<SidePanel>("params");
  const [refused, setRefused] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ theirs: number } | null>(null);
  const [deploy, setDeploy] = useState<{
    version: string;
    diff: BundleDiff | null;
    local: { from: string; diff: GraphDiff } | null;
    error: string | null;
  } | null>(null);
  const [deployments, setDeployments] = useState<DeploymentEntry[]>([]);
  const [engine, setEngine] = useState<EngineStatus | null>(null);
  const [points, setPoints] = useState<PointOption[]>([]);
  const savedSig = useRef<string>("");
  const history = useRef(new History());
  const applying = useRef(false);
  const clipboard = useRef<{ nodes: BlockNodeType[]; edges: WireEdge[] } | null>(null);
  const projectRef = useRef<Project | null>(null);
  projectRef.current = project;

  // The whole graph as it is now: other flows from the project, this one from the canvas.
  const graphNow = useCallback(
    (): Graph | null =>
      projectRef.current?.content.graph
        ? canonicalGraph(fromFlow(projectRef.current.content.graph, flowId, nodes, edges))
        : null,
    // `project` too: flows' names and schedules live there, not on the canvas.
    [flowId, nodes, edges, project],
  );
  const sig = useMemo(() => {
    const g = graphNow();
    return g ? JSON.stringify(g) : "";
  }, [graphNow]);

  const loadFlow = useCallback(
    (graph: Graph, id: string) => {
      const { nodes: n, edges: e } = toFlow(graph, id);
      applying.current = true;
      setNodes(n);
      setEdges(e);
      setFlowId(id);
    },
    [setNodes, setEdges],
  );

  // Initial load: the catalogue and the project.
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [cat, proj] = await Promise.all([
          api.GET("/api/blocks").then(unwrap),
          api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } }).then(unwrap),
        ]);
        if (!live) return;
        setBlocks(cat.blocks);
        const graph: Graph = proj.content.graph ?? { nodes: [], edges: [], flows: [], layout: {} };
        if (!graph.flows?.length) graph.flows = [newFlow(new Set(), "Main")];
        const p = withGraph(proj, graph);
        setProject(p);
        savedSig.current = JSON.stringify(canonicalGraph(graph));
        history.current.reset(savedSig.current);
        loadFlow(graph, graph.flows[0]!.id);
      } catch (e) {
        setMessage((e as Error).message);
      }
    })();
    return () => {
      live = false;
    };
  }, [projectId, loadFlow]);

  // Side data that needs the engine or the IoT service: best effort, errors shown quietly.
  const refreshDeployments = useCallback(async () => {
    const r = await api.GET("/api/projects/{project_id}/deployments", { params: { path: { project_id: projectId } } });
    if (r.data) setDeployments(r.data.entries);
  }, [projectId]);
  useEffect(() => {
    void refreshDeployments();
    api.GET("/api/engine/status").then((r) => r.data && setEngine(r.data), () => undefined);
    api.GET("/api/iot/devices").then(
      async (r) => {
        if (!r.data) return;
        const all: PointOption[] = [];
        for (const d of r.data.slice(0, 50)) {
          const pr = await api.GET("/api/iot/devices/{instance}/points", { params: { path: { instance: d.instance } } });
          for (const p of pr.data ?? []) {
            all.push({ point: String(p.point), label: `${d.name ?? d.instance}: ${p.name}${p.unitSymbol ? ` [${p.unitSymbol}]` : ""}` });
          }
        }
        setPoints(all);
      },
      () => undefined,
    );
  }, [refreshDeployments]);

  // Live values: the engine's stream through the Designer (only when the engine answered).
  const engineUp = engine !== null;
  useEffect(() => {
    if (!engineUp) return;
    const es = new EventSource("/api/engine/stream");
    es.addEventListener("status", (ev) => setEngine(JSON.parse((ev as MessageEvent).data) as EngineStatus));
    es.addEventListener("values", (ev) => {
      const data = JSON.parse((ev as MessageEvent).data) as {
        flow: string;
        nodes: Record<string, Record<string, [JsonValue, string]>>;
      };
      const text = (v: JsonValue, q: string) =>
        `${typeof v === "number" ? Number(v.toFixed(2)) : String(v)}${q !== "ok" ? ` (${q})` : ""}`;
      setNodes((ns) =>
        ns.map((n) => {
          const ports = data.nodes[n.id];
          if (!ports) return n;
          const live: Record<string, string> = {};
          let status = "ok";
          for (const [port, [v, q]] of Object.entries(ports)) {
            live[port] = text(v, q);
            if (q !== "ok" && status === "ok") status = q;
          }
          return { ...n, data: { ...n.data, live, status } };
        }),
      );
      // Wires carry the value of the output that drives them.
      setEdges((es) =>
        es.map((e) => {
          const v = e.sourceHandle ? data.nodes[e.source]?.[e.sourceHandle] : undefined;
          return v ? { ...e, label: text(v[0], v[1]) } : e;
        }),
      );
    });
    es.addEventListener("tick", (ev) => {
      const t = JSON.parse((ev as MessageEvent).data) as { flow: string };
      setEngine((e) =>
        e ? { ...e, flows: e.flows.map((f) => (f.id === t.flow ? { ...f, ticks: f.ticks + 1 } : f)) } : e,
      );
    });
    return () => es.close();
  }, [engineUp, setNodes, setEdges]);

  // Undo history: one snapshot per settled change.
  useEffect(() => {
    if (!sig) return;
    if (applying.current) {
      applying.current = false;
      return;
    }
    const t = window.setTimeout(() => history.current.push(sig), 250);
    return () => window.clearTimeout(t);
  }, [sig]);

  const validate = useCallback(async () => {
    const r = await api.POST("/api/projects/{project_id}/validate", { params: { path: { project_id: projectId } } });
    if (r.data) setIssues(r.data.issues);
  }, [projectId]);

  // Autosave with the revision check; a 409 opens the conflict dialog.
  const save = useCallback(
    async (force?: number) => {
      const p = projectRef.current;
      const g = graphNow();
      if (!p || !g) return;
      const body = JSON.stringify(g);
      setSaveState("saving");
      const r = await api.PUT("/api/projects/{project_id}", {
        params: { path: { project_id: projectId } },
        body: { revision: force ?? p.revision, content: { ...p.content, graph: g } as never },
      });
      if (r.response.status === 409) {
        // StaleRevisionError: details {field: "revision", basedOn, currentRevision}.
        const details = (r.error as { details?: { currentRevision?: number } } | undefined)?.details;
        setConflict({ theirs: details?.currentRevision ?? -1 });
        setSaveState("conflict");
        return;
      }
      if (!r.data) {
        setSaveState("error");
        setMessage((r.error as { message?: string } | undefined)?.message ?? "save failed");
        return;
      }
      savedSig.current = body;
      setProject(withGraph(r.data, g));
      setSaveState("saved");
      void validate();
    },
    [graphNow, projectId, validate],
  );

  // The timer restarts only when the graph changes, not when live values re-render nodes.
  const saveRef = useRef(save);
  saveRef.current = save;
  const hasProject = project !== null;
  useEffect(() => {
    if (!sig || !hasProject || conflict) return;
    if (sig === savedSig.current) return;
    setSaveState("dirty");
    const t = window.setTimeout(() => void saveRef.current(), AUTOSAVE_MS);
    return () => window.clearTimeout(t);
  }, [sig, hasProject, conflict]);

  useEffect(() => {
    if (project && issues === null) void validate();
  }, [project, issues, validate]);

  // Validation marks on nodes.
  useEffect(() => {
    const byNode = new Map<string, string[]>();
    for (const i of issues ?? []) {
      for (const id of new Set([...(i.node ? [i.node] : []), ...(i.nodes ?? [])])) {
        byNode.set(id, [...(byNode.get(id) ?? []), i.message]);
      }
    }
    setNodes((ns) => {
      let changed = false;
      const next = ns.map((n) => {
        const mine = byNode.get(n.id);
        const before = n.data.issues ?? [];
        if ((mine ?? []).join("\n") === before.join("\n")) return n;
        changed = true;
        return { ...n, data: { ...n.data, issues: mine ?? [] } };
      });
      return changed ? next : ns;
    });
  }, [issues, setNodes, nodes.length]);

  // ... and on the wires they name ('source.port->target.port').
  useEffect(() => {
    const bad = new Set((issues ?? []).map((i) => i.edge).filter((e): e is string => !!e));
    setEdges((es) => {
      let changed = false;
      const next = es.map((e) => {
        const cls = bad.has(e.id) ? "has-issues" : undefined;
        if (e.className === cls) return e;
        changed = true;
        return { ...e, className: cls };
      });
      return changed ? next : es;
    });
  }, [issues, setEdges, edges.length]);

  const nodeMap = useMemo(
    () => new Map(nodes.map((n) => [n.id, { id: n.id, type: n.data.blockType, params: n.data.params }])),
    [nodes],
  );
  const isValid = useCallback(
    (c: ConnectionLike | WireEdge) => {
      const problem = connectionProblem(c as ConnectionLike, nodeMap, catalogue, edges);
      setRefused(problem);
      return problem === null;
    },
    [nodeMap, catalogue, edges],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (connectionProblem(c, nodeMap, catalogue, edges)) return;
      const e = {
        source: c.source,
        sourcePort: c.sourceHandle ?? "",
        target: c.target,
        targetPort: c.targetHandle ?? "",
      };
      setEdges((es) => addEdge({ ...c, id: edgeId(e) }, es));
      setRefused(null);
    },
    [nodeMap, catalogue, edges, setEdges],
  );

  const addBlock = useCallback(
    (type: string, position?: { x: number; y: number }) => {
      const taken = new Set((projectRef.current?.content.graph?.nodes ?? []).map((n) => n.id));
      for (const n of nodes) taken.add(n.id);
      const id = newNodeId(type, taken);
      const pos = position ?? flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
      setNodes((ns) => [
        ...ns.map((n) => ({ ...n, selected: false })),
        { id, type: "block", position: pos, selected: true, data: { blockType: type, params: {}, label: null } },
      ]);
      setPanel("params");
    },
    [nodes, flow, setNodes],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(DRAG_MIME);
      if (type) addBlock(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [addBlock, flow],
  );

  const applySnapshot = useCallback(
    (snapshot: string | null) => {
      const p = projectRef.current;
      if (!snapshot || !p) return;
      const g = JSON.parse(snapshot) as Graph;
      setProject(withGraph(p, g));
      const id = g.flows?.some((f) => f.id === flowId) ? flowId : (g.flows?.[0]?.id ?? flowId);
      loadFlow(g, id);
    },
    [flowId, loadFlow],
  );

  const arrangeSelection = useCallback(() => {
    const pos = arrange(nodes, edges);
    if (pos.size) setNodes((ns) => ns.map((n) => (pos.has(n.id) ? { ...n, position: pos.get(n.id)! } : n)));
  }, [nodes, edges, setNodes]);

  const onKeyDown = useCallback(
    (e: globalThis.KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName) || target.closest("dialog")) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "z") {
        e.preventDefault();
        applySnapshot(e.shiftKey ? history.current.redo() : history.current.undo());
      } else if (mod && e.key.toLowerCase() === "y") {
        e.preventDefault();
        applySnapshot(history.current.redo());
      } else if (mod && e.key.toLowerCase() === "c") {
        const sel = nodes.filter((n) => n.selected);
        const ids = new Set(sel.map((n) => n.id));
        clipboard.current = { nodes: sel, edges: edges.filter((x) => ids.has(x.source) && ids.has(x.target)) };
      } else if (mod && e.key.toLowerCase() === "v" && clipboard.current) {
        const taken = new Set([...(projectRef.current?.content.graph?.nodes ?? []).map((n) => n.id), ...nodes.map((n) => n.id)]);
        const rename = new Map<string, string>();
        const pasted = clipboard.current.nodes.map((n) => {
          const id = newNodeId(n.data.blockType, taken);
          taken.add(id);
          rename.set(n.id, id);
          return { ...n, id, selected: true, position: { x: n.position.x + 40, y: n.position.y + 40 }, data: { ...n.data, issues: [], live: {} } };
        });
        const wires = clipboard.current.edges.map((x) => {
          const w = { source: rename.get(x.source)!, sourcePort: x.sourceHandle!, target: rename.get(x.target)!, targetPort: x.targetHandle! };
          return { id: edgeId(w), source: w.source, sourceHandle: w.sourcePort, target: w.target, targetHandle: w.targetPort };
        });
        setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), ...pasted]);
        setEdges((es) => [...es, ...wires]);
      } else if (mod && e.key.toLowerCase() === "a") {
        e.preventDefault();
        setNodes((ns) => ns.map((n) => ({ ...n, selected: true })));
      } else if (e.key === "l" && !mod) {
        arrangeSelection();
      } else if (e.key === "f" && !mod) {
        void flow.fitView({ padding: 0.2 });
      }
    },
    [applySnapshot, nodes, edges, setNodes, setEdges, flow, arrangeSelection],
  );
  // On the document: after a delete the focus is on <body>, not inside the editor.
  const keyRef = useRef(onKeyDown);
  keyRef.current = onKeyDown;
  useEffect(() => {
    const on = (e: globalThis.KeyboardEvent) => keyRef.current(e);
    document.addEventListener("keydown", on);
    return () => document.removeEventListener("keydown", on);
  }, []);

  const switchFlow = useCallback(
    (id: string) => {
      const g = graphNow();
      const p = projectRef.current;
      if (!g || !p) return;
      setProject(withGraph(p, g));
      loadFlow(g, id);
      window.setTimeout(() => void flow.fitView({ padding: 0.2 }), 50);
    },
    [graphNow, loadFlow, flow],
  );

  const addFlow = useCallback(() => {
    const g = graphNow();
    const p = projectRef.current;
    if (!g || !p) return;
    const f = newFlow(new Set((g.flows ?? []).map((x) => x.id)));
    const next = { ...g, flows: [...(g.flows ?? []), f] };
    setProject(withGraph(p, next));
    loadFlow(next, f.id);
  }, [graphNow, loadFlow]);

  const renameFlow = useCallback(
    (id: string, current: string) => {
      const name = window.prompt("Flow name", current);
      const p = projectRef.current;
      const g = graphNow();
      if (!name || !p || !g) return;
      setProject(withGraph(p, { ...g, flows: (g.flows ?? []).map((f) => (f.id === id ? { ...f, name } : f)) }));
    },
    [graphNow],
  );

  const setPeriod = useCallback(
    (ms: number) => {
      const p = projectRef.current;
      const g = graphNow();
      if (!p || !g || !(ms > 0)) return;
      setProject(
        withGraph(p, {
          ...g,
          flows: (g.flows ?? []).map((f) => (f.id === flowId ? { ...f, schedule: { ...f.schedule, periodMs: ms } } : f)),
        }),
      );
    },
    [graphNow, flowId],
  );

  const resolveConflict = useCallback(
    async (keepMine: boolean) => {
      const r = await api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } });
      if (!r.data) return;
      setConflict(null);
      if (keepMine) {
        setProject((p) => (p ? { ...p, revision: r.data.revision } : p));
        projectRef.current = projectRef.current ? { ...projectRef.current, revision: r.data.revision } : null;
        await save(r.data.revision);
      } else {
        const g = r.data.content.graph ?? { nodes: [], edges: [], flows: [newFlow(new Set(), "Main")], layout: {} };
        savedSig.current = JSON.stringify(canonicalGraph(g));
        setProject(withGraph(r.data, g));
        const id = g.flows?.some((f) => f.id === flowId) ? flowId : (g.flows?.[0]?.id ?? flowId);
        loadFlow(g, id);
        history.current.reset(savedSig.current);
        setSaveState("saved");
      }
    },
    [projectId, save, flowId, loadFlow],
  );

  const startDeploy = useCallback(async () => {
    if (saveState !== "saved") await save();
    try {
      const bundle = unwrap(
        await api.POST("/api/projects/{project_id}/bundles", {
          params: { path: { project_id: projectId } },
          body: { bump: "patch" },
        }),
      );
      const version = bundle.version;
      const d = await api.GET("/api/projects/{project_id}/bundles/{version}/diff", {
        params: { path: { project_id: projectId, version } },
      });
      let local: { from: string; diff: GraphDiff } | null = null;
      if (!d.data) {
        // The engine's active bundle is unknown: compare with the previous bundle, by the same rules.
        const list = await api.GET("/api/projects/{project_id}/bundles", { params: { path: { project_id: projectId } } });
        const prev = list.data?.bundles.find((b) => b.version !== version);
        const prevDoc = prev
          ? (await api.GET("/api/projects/{project_id}/bundles/{version}", {
              params: { path: { project_id: projectId, version: prev.version } },
            })).data?.document
          : undefined;
        const doc = bundle.document as { graph?: Graph; defaults?: { writePriority?: number } };
        const before = prevDoc ? { graph: (prevDoc as { graph?: Graph }).graph } : null;
        local = {
          from: prev ? `the previous bundle ${prev.version}` : "nothing (no earlier bundle)",
          diff: graphDiff(before as never, { graph: doc.graph } as never, {
            defaultPriority: doc.defaults?.writePriority,
          }),
        };
      }
      setDeploy({
        version,
        diff: d.data ?? null,
        local,
        error: d.data ? null : ((d.error as { message?: string } | undefined)?.message ?? "no diff"),
      });
    } catch (e) {
      setMessage(e instanceof ApiError ? `Cannot build a bundle: ${e.message}` : String(e));
      setPanel("validation");
    }
  }, [projectId, save, saveState]);

  const confirmDeploy = useCallback(async () => {
    if (!deploy) return;
    const r = await api.POST("/api/projects/{project_id}/deployments", {
      params: { path: { project_id: projectId } },
      body: { version: deploy.version },
    });
    setDeploy(null);
    setMessage(r.data ? `Deploy of ${r.data.version}: ${r.data.outcome}` : ((r.error as { message?: string })?.message ?? "deploy failed"));
    await refreshDeployments();
    setPanel("deployments");
    api.GET("/api/engine/status").then((s) => s.data && setEngine(s.data), () => undefined);
  }, [deploy, projectId, refreshDeployments]);

  const rollback = useCallback(
    async (version: string) => {
      if (!window.confirm(`Roll back the engine to ${version}?`)) return;
      const r = await api.POST("/api/projects/{project_id}/rollback", {
        params: { path: { project_id: projectId } },
        body: { version },
      });
      setMessage(r.data ? `Rollback to ${r.data.version}: ${r.data.outcome}` : ((r.error as { message?: string })?.message ?? "rollback failed"));
      await refreshDeployments();
      api.GET("/api/engine/status").then((s) => s.data && setEngine(s.data), () => undefined);
    },
    [projectId, refreshDeployments],
  );

  const selected = nodes.filter((n) => n.selected);
  const one = selected.length === 1 ? selected[0] : undefined;
  const spec = one ? catalogue.get(one.data.blockType) : undefined;
  const updateNode = useCallback(
    (id: string, patch: Partial<BlockNodeType["data"]>) =>
      setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n))),
    [setNodes],
  );
  const selectNode = useCallback(
    (id: string) => {
      const g = graphNow();
      const owner = g?.nodes?.find((n) => n.id === id)?.flow;
      if (g && owner && owner !== flowId) {
        const p = projectRef.current;
        if (p) setProject(withGraph(p, g));
        const { nodes: n, edges: e } = toFlow(g, owner);
        applying.current = true;
        setNodes(n.map((x) => ({ ...x, selected: x.id === id })));
        setEdges(e);
        setFlowId(owner);
      } else {
        setNodes((ns) => ns.map((n) => ({ ...n, selected: n.id === id })));
      }
      setPanel("params");
      const target = nodes.find((n) => n.id === id);
      if (target) void flow.setCenter(target.position.x + 80, target.position.y + 40, { zoom: 1.2, duration: 200 });
    },
    [graphNow, flowId, setNodes, setEdges, nodes, flow],
  );

  if (!project) return <p className="loading">{message ?? "Loading the project…"}</p>;
  const flows = project.content.graph?.flows ?? [];
  const currentFlow = flows.find((f) => f.id === flowId);
  const activeVersions = [...new Set(deployments.filter((d) => d.outcome === "active").map((d) => d.version))];

  return (
    <CatalogueContext.Provider value={catalogue}>
      <div className="editor">
        <div className="toolbar" role="toolbar" aria-label="Editor">
          <strong className="project-name">{project.name}</strong>
          <span className={`save-state ${saveState}`} data-testid="save-state" aria-live="polite">
            {saveState === "saved" ? `Saved (revision ${project.revision})` : saveState === "dirty" ? "Unsaved changes" : saveState === "saving" ? "Saving…" : saveState === "conflict" ? "Conflict" : "Save failed"}
          </span>
          <button type="button" onClick={() => applySnapshot(history.current.undo())} title="Undo (Ctrl+Z)">
            Undo
          </button>
          <button type="button" onClick={() => applySnapshot(history.current.redo())} title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
          <button type="button" onClick={() => void flow.fitView({ padding: 0.2 })} title="Zoom to fit (F)">
            Fit
          </button>
          <button type="button" onClick={arrangeSelection} title="Auto-layout the selected blocks (L)">
            Arrange
          </button>
          <button type="button" onClick={() => void validate().then(() => setPanel("validation"))}>
            Validate
          </button>
          <button type="button" onClick={() => void startDeploy()} className="primary">
            Deploy…
          </button>
          {refused && <span className="refused" role="status" data-testid="refused">Refused: {refused}</span>}
          {message && (
            <span className="message" role="status">
              {message}
            </span>
          )}
        </div>
        <div className="tabs" role="tablist" aria-label="Flows">
          {flows.map((f) => (
            <button
              key={f.id}
              type="button"
              role="tab"
              aria-selected={f.id === flowId}
              className={f.id === flowId ? "active" : ""}
              onClick={() => switchFlow(f.id)}
              onDoubleClick={() => renameFlow(f.id, f.name)}
              title="Double-click to rename"
            >
              {f.name}
            </button>
          ))}
          <button type="button" onClick={addFlow} aria-label="Add a flow">
            + Flow
          </button>
          {currentFlow && (
            <label className="period">
              Scan every
              <input
                type="number"
                min={10}
                step={10}
                key={`${flowId}-${currentFlow.schedule.periodMs}`}
                defaultValue={currentFlow.schedule.periodMs}
                onBlur={(e) => setPeriod(Number(e.target.value))}
              />
              ms
            </label>
          )}
        </div>
        <div className="workspace">
          <Palette blocks={blocks} onAdd={(t) => addBlock(t)} />
          <div className="canvas" onDrop={onDrop} onDragOver={(e) => e.preventDefault()} data-testid="canvas">
            <ReactFlow<BlockNodeType, WireEdge>
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              onConnectEnd={() => window.setTimeout(() => setRefused(null), 2500)}
              isValidConnection={isValid}
              deleteKeyCode={DELETE_KEYS}
              multiSelectionKeyCode={["Shift", "Meta", "Control"]}
              fitView
              minZoom={0.2}
            >
              <Background gap={20} />
              <MiniMap pannable zoomable />
              <Controls />
            </ReactFlow>
          </div>
          <aside className="side" aria-label="Details">
            <div className="side-tabs" role="tablist">
              {(["params", "validation", "simulate", "deployments"] as const).map((p) => (
                <button key={p} type="button" role="tab" aria-selected={panel === p} className={panel === p ? "active" : ""} onClick={() => setPanel(p)}>
                  {p === "params" ? "Parameters" : p === "validation" ? `Problems (${issues?.length ?? "…"})` : p === "simulate" ? "Simulate" : "Deployments"}
                </button>
              ))}
            </div>
            {panel === "params" &&
              (one && spec ? (
                <ParamPanel
                  nodeId={one.id}
                  spec={spec}
                  params={one.data.params}
                  label={one.data.label}
                  points={points}
                  issues={(issues ?? []).filter((i) => i.node === one.id)}
                  onParams={(params) => updateNode(one.id, { params })}
                  onLabel={(label) => updateNode(one.id, { label })}
                />
              ) : (
                <p className="hint">
                  {selected.length > 1 ? `${selected.length} blocks selected.` : "Select a block to edit its parameters. Drag blocks from the palette, or focus one and press Enter."}
                </p>
              ))}
            {panel === "validation" && (
              <section aria-label="Problems" className="problems">
                {issues === null ? (
                  <p>Checking…</p>
                ) : issues.length === 0 ? (
                  <p className="ok" data-testid="valid">No problems found.</p>
                ) : (
                  <ul data-testid="issues">
                    {issues.map((i, k) => (
                      <li key={k}>
                        <button type="button" className="link" onClick={() => (i.node ? selectNode(i.node) : undefined)} disabled={!i.node}>
                          <code>{i.code}</code> {i.message}
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            )}
            {panel === "simulate" && <Simulation projectId={projectId} flowId={flowId} nodes={nodes} catalogue={catalogue} />}
            {panel === "deployments" && (
              <section aria-label="Deployments" className="deployments">
                <table className="list">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Version</th>
                      <th>By</th>
                      <th>Outcome</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {deployments.map((d) => (
                      <tr key={d.id}>
                        <td>{new Date(d.at).toLocaleString()}</td>
                        <td>
                          {d.version} <small>{d.action}</small>
                        </td>
                        <td>{d.by}</td>
                        <td>{d.outcome}</td>
                        <td>
                          {d.outcome === "active" && activeVersions.includes(d.version) && engine?.version !== d.version && (
                            <button type="button" onClick={() => void rollback(d.version)}>
                              Roll back to {d.version}
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {deployments.length === 0 && <p>No deployments yet.</p>}
              </section>
            )}
          </aside>
        </div>
        <footer className="statusbar" aria-label="Engine status" data-testid="engine-status">
          {engine ? (
            <>
              Engine {engine.state} · version {engine.version ?? "none"} ·{" "}
              {engine.flows.map((f) => `${f.name}: ${f.ticks} ticks, ${f.overruns} overruns`).join(" · ")} · IoT link{" "}
              {engine.iot.connected ? "up" : "down"}
            </>
          ) : (
            "Engine not reachable"
          )}
        </footer>
        {conflict && (
          <Dialog
            title="Someone else saved this project"
            role="alertdialog"
            onClose={() => undefined}
            actions={
              <>
                <button type="button" onClick={() => void resolveConflict(false)}>
                  Reload their version (discard mine)
                </button>
                <button type="button" className="danger" onClick={() => void resolveConflict(true)}>
                  Overwrite with mine
                </button>
              </>
            }
          >
            <p data-testid="conflict">
              Your changes were not saved: the project changed on the server
              {conflict.theirs > 0 ? ` (now at revision ${conflict.theirs})` : ""} since you loaded revision {project.revision}.
              Nothing was overwritten. Choose which version to keep.
            </p>
          </Dialog>
        )}
        {deploy && (
          <Dialog
            title={`Deploy ${deploy.version}?`}
            onClose={() => setDeploy(null)}
            actions={
              <>
                <button type="button" onClick={() => setDeploy(null)}>
                  Cancel
                </button>
                <button type="button" className="primary" onClick={() => void confirmDeploy()}>
                  Deploy {deploy.version}
                </button>
              </>
            }
          >
            {deploy.diff ? (
              <DiffView diff={deploy.diff} from={deploy.diff.activeVersion ? `active version ${deploy.diff.activeVersion}` : "nothing deployed"} />
            ) : (
              <>
                <p className="error">The engine's active version is not known: {deploy.error}</p>
                {deploy.local && <DiffView diff={{ ...deploy.local.diff, version: deploy.version }} from={deploy.local.from} />}
              </>
            )}
          </Dialog>
        )}
      </div>
    </CatalogueContext.Provider>
  );
}

function DiffView({ diff, from }: { diff: GraphDiff & { version: string }; from: string }) {
  const rows: [string, string[]][] = [
    ["Blocks added", diff.blocksAdded],
    ["Blocks removed", diff.blocksRemoved],
    ["Blocks changed", diff.blocksChanged.map((c) => `${c.node}: ${c.fields.join(", ")}`)],
    ["Points newly written", diff.pointsNewlyWritten],
    ["Points no longer written", diff.pointsNoLongerWritten],
    ["Priority changes", diff.priorityChanges.map((p) => `${p.point}: ${p.before} → ${p.after}`)],
  ];
  return (
    <div data-testid="diff">
      <p>
        From {from} to {diff.version}.
      </p>
      <dl className="diff">
        {rows.map(([title, items]) => (
          <div key={title}>
            <dt>{title}</dt>
            <dd>{items.length ? items.join("; ") : "none"}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function Editor({ projectId }: { projectId: string }) {
  return (
    <ReactFlowProvider>
      <EditorInner projectId={projectId} />
    </ReactFlowProvider>
  );
}
