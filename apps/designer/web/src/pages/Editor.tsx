/** The flow editor: palette, canvas, parameters, validation, autosave, deploy, live values. */
import { Background, Controls, type NodeTypes, ReactFlow, ReactFlowProvider } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { BlockNode } from "../components/BlockNode";
import { CatalogueContext } from "../components/catalogue";
import { CalendarEditor } from "../components/calendars/CalendarEditor";
import { CanvasMiniMap } from "../components/editor/CanvasMiniMap";
import { FIT_VIEW } from "../lib/fitView";
import { CompositeInside } from "../components/editor/CompositeInside";
import { ConflictDialog } from "../components/editor/ConflictDialog";
import { DeployDialog } from "../components/editor/DeployDialog";
import { DeploymentsPanel } from "../components/editor/DeploymentsPanel";
import { EditorToolbar } from "../components/editor/EditorToolbar";
import { SidePanelHandle } from "../components/editor/SidePanelHandle";
import { EngineStatusBar } from "../components/editor/EngineStatusBar";
import { FindBlock } from "../components/editor/FindBlock";
import { FlowActions } from "../components/editor/FlowActions";
import { FlowTabs } from "../components/editor/FlowTabs";
import { InsidePanel } from "../components/editor/InsidePanel";
import { OverriddenPointsContext } from "../components/overrides/PointOverrideMark";
import { ProblemsPanel } from "../components/editor/ProblemsPanel";
import { type SidePanel, SideTabs } from "../components/editor/SideTabs";
import { Palette } from "../components/Palette";
import { NodeLimits } from "../components/limits/NodeLimits";
import { PointTable } from "../components/limits/PointTable";
import { TemplateDialog } from "../components/templates/TemplateDialog";
import { ParamPanel } from "../components/ParamPanel";
import { Simulation } from "../components/Simulation";
import { useArrange } from "../hooks/useArrange";
import { useAutosave } from "../hooks/useAutosave";
import { useCanvasEditing } from "../hooks/useCanvasEditing";
import { useCompositeEdit } from "../hooks/useCompositeEdit";
import { useCompositeView } from "../hooks/useCompositeView";
import { useDeploy } from "../hooks/useDeploy";
import { useEngineStream } from "../hooks/useEngineStream";
import { useFlowDocument } from "../hooks/useFlowDocument";
import { useFlowOrganise } from "../hooks/useFlowOrganise";
import { useMakeComposite } from "../hooks/useMakeComposite";
import { useOverriddenPoints } from "../hooks/useOverriddenPoints";
import { useFlowTabs } from "../hooks/useFlowTabs";
import { usePointLimits } from "../hooks/usePointLimits";
import { usePointOptions } from "../hooks/usePointOptions";
import { useSidePanel } from "../hooks/useSidePanel";
import { useProjectCalendars } from "../hooks/useProjectCalendars";
import { useProjectLoad } from "../hooks/useProjectLoad";
import { useShortcuts } from "../hooks/useShortcuts";
import { useUndoHistory } from "../hooks/useUndoHistory";
import { useValidation } from "../hooks/useValidation";
import type { BlockNode as BlockNodeType, WireEdge } from "../lib/graph";
import { withCalendar } from "../lib/calendars";
import { withComposites } from "../lib/composites";
import { isComposite, issuePath, resolvePath } from "../lib/compositeInside";
import { GRID } from "../lib/layout";

// Declared once at module scope (xyflow performance guidance).
const nodeTypes: NodeTypes = { block: BlockNode };
const DELETE_KEYS = ["Delete", "Backspace"];
const SNAP_GRID: [number, number] = [GRID, GRID];
const MULTI_SELECT_KEYS = ["Shift", "Meta", "Control"];

function EditorInner({ projectId }: { projectId: string }) {
  const [message, setMessage] = useState<string | null>(null);
  const [panel, setPanel] = useState<SidePanel>("params");
  const [templates, setTemplates] = useState(false);
  const showParams = useCallback(() => setPanel("params"), []);
  const showProblems = useCallback(() => setPanel("validation"), []);
  const showDeployments = useCallback(() => setPanel("deployments"), []);

  const doc = useFlowDocument();
  const side = useSidePanel();
  const history = useUndoHistory(doc);
  const { issues, validate } = useValidation(projectId, doc);
  const onSaved = useCallback(() => void validate(), [validate]);
  const autosave = useAutosave({ projectId, doc, history, onSaved, notify: setMessage });
  const { blocks, catalogue: blockCatalogue } = useProjectLoad(projectId, doc, autosave.markSaved, setMessage);
  const docGraph = doc.project?.content.graph;
  const catalogue = useMemo(() => withComposites(blockCatalogue, docGraph), [blockCatalogue, docGraph]);
  const { engine, refreshEngine, values, pointUnits } = useEngineStream(doc, catalogue);
  const inside = useCompositeView();
  const { graphNow } = doc;
  const graph = useMemo(() => (inside.path ? graphNow() : null), [inside.path, graphNow]);
  const levels = useMemo(() => (inside.path ? resolvePath(graph, inside.path) : null), [graph, inside.path]);
  const compositeEdit = useCompositeEdit(doc, levels, setMessage);
  // Like a block on the flow, a block selected inside a composite shows its parameters.
  useEffect(() => {
    if (inside.selected) showParams();
  }, [inside.selected, showParams]);
  const points = usePointOptions();
  const overridden = useOverriddenPoints();
  const canvas = useCanvasEditing(doc, catalogue, showParams);
  const tabs = useFlowTabs(doc, canvas.fit);
  const arrange = useArrange(doc, catalogue, setMessage);
  const organise = useFlowOrganise(doc, setMessage);
  useShortcuts(doc, history, { arrange: () => void arrange(), fit: canvas.fit }, inside.path === null);
  const { saveState, save } = autosave;
  const saveFirst = useCallback(async () => {
    if (saveState !== "saved") await save();
  }, [saveState, save]);
  const calendars = useProjectCalendars(doc, useCallback(() => autosave.save(true), [autosave.save]));
  const makeComposite = useMakeComposite(projectId, doc, saveFirst, autosave.markSaved, setMessage);
  const deploy = useDeploy({
    projectId,
    saveFirst,
    refreshEngine,
    notify: setMessage,
    onBuildFailed: showProblems,
    onDeployed: showDeployments,
  });

  const [pointTable, setPointTable] = useState(false);
  const pointLimits = usePointLimits(projectId, {
    saveFirst: async () => {
      await autosave.save();
      return autosave.conflict ? null : (doc.projectRef.current?.revision ?? null);
    },
    onSaved: (revision, constraints, limitAction) => {
      const p = doc.projectRef.current;
      if (!p) return;
      const defaults = { ...p.content.defaults, limitAction };
      const next = { ...p, revision, content: { ...p.content, constraints, defaults } } as typeof p;
      doc.projectRef.current = next; // the next autosave must send the new revision and limits
      doc.setProject(next);
    },
  });

  const { project, nodes, edges, flowId } = doc;
  if (!project) return <p className="loading">{message ?? "Loading the project…"}</p>;
  const selected = nodes.filter((n) => n.selected);
  const one = selected.length === 1 ? selected[0] : undefined;
  const spec = one ? catalogue.get(one.data.blockType) : undefined;
  // A problem inside a composite ('zone_3 > pid') opens the instance and selects the inner block.
  const selectIssue = (node: string, path?: string | null) => {
    const at = issuePath({ node, path });
    inside.up(0);
    canvas.selectNode(at[0] ?? node);
    if (at.length > 1) inside.open(at.slice(0, -1), at[at.length - 1]);
  };
  const flowName = project.content.graph?.flows?.find((f) => f.id === flowId)?.name ?? flowId;

  return (
    <CatalogueContext.Provider value={catalogue}>
      <OverriddenPointsContext.Provider value={overridden}>
      <div className="editor">
        <EditorToolbar
          projectName={project.name}
          revision={project.revision}
          saveState={saveState}
          refused={canvas.refused}
          message={message}
          onUndo={history.undo}
          onRedo={history.redo}
          onFit={canvas.fit}
          onArrange={() => void arrange()}
          onValidate={() => void validate().then(showProblems)}
          onDeploy={() => void deploy.start()}
          onLimits={() => {
            setPointTable(true);
            void pointLimits.load();
          }}
        />
        <div className="flow-bar">
          <FlowTabs
          flows={project.content.graph?.flows ?? []}
          current={flowId}
          onSwitch={(f) => {
            inside.up(0);
            tabs.switchFlow(f);
          }}
          onRename={tabs.renameFlow}
          onAdd={tabs.addFlow}
          onPeriod={tabs.setPeriod}
        />
        <FlowActions
          index={(project.content.graph?.flows ?? []).findIndex((f) => f.id === flowId)}
          count={project.content.graph?.flows?.length ?? 0}
          onMove={organise.moveFlow}
          onDelete={organise.deleteFlow}
          selected={nodes.filter((n) => n.selected).length}
          onMakeComposite={() => void makeComposite()}
        />
        <button type="button" onClick={() => void saveFirst().then(() => setTemplates(true))} title="Apply a composite to equipment by tags; import or export composites">
          Templates…
        </button>
        </div>
        <div className="workspace" style={{ gridTemplateColumns: `210px minmax(0, 1fr) ${side.width}px` }}>
          <Palette blocks={blocks} onAdd={(t) => canvas.addBlock(t)} />
          {levels ? (
            <CompositeInside graph={graph} levels={levels} view={inside} edit={compositeEdit} flowName={flowName} values={values} pointUnits={pointUnits} issues={issues} />
          ) : (
          <div className="canvas" onDrop={canvas.onDrop} onDragOver={(e) => e.preventDefault()} data-testid="canvas">
            <ReactFlow<BlockNodeType, WireEdge>
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodesChange={doc.onNodesChange}
              onEdgesChange={doc.onEdgesChange}
              onConnect={canvas.onConnect}
              onConnectEnd={canvas.onConnectEnd}
              onNodeDoubleClick={(_, n) => isComposite(n.data.blockType) && inside.open([n.id])}
              isValidConnection={canvas.isValidConnection}
              deleteKeyCode={DELETE_KEYS}
              multiSelectionKeyCode={MULTI_SELECT_KEYS}
              fitView
              fitViewOptions={FIT_VIEW}
              minZoom={0.2}
              snapToGrid
              snapGrid={SNAP_GRID}
            >
              <Background gap={20} />
              <CanvasMiniMap />
              <Controls />
            </ReactFlow>
            <FindBlock graph={doc.graphNow() ?? undefined} onPick={canvas.selectNode} />
          </div>
          )}
          <aside className={side.collapsed ? "side collapsed" : "side"} aria-label="Details">
            <SidePanelHandle width={side.width} collapsed={side.collapsed} onWidth={side.setWidth} onToggle={side.toggle} />
            <SideTabs panel={panel} problems={issues?.length ?? null} onPick={setPanel} />
            {panel === "params" && levels && (
              <InsidePanel levels={levels} selected={inside.selected} issues={issues} edit={compositeEdit.editing ? { ...compositeEdit, points } : undefined} />
            )}
            {panel === "params" && !levels && one && isComposite(one.data.blockType) && (
              <button type="button" className="open-composite" onClick={() => inside.open([one.id])}>
                Open composite
              </button>
            )}
            {panel === "params" &&
              !levels &&
              (one && spec ? (
                <ParamPanel
                  nodeId={one.id}
                  spec={spec}
                  params={one.data.params}
                  label={one.data.label}
                  points={points}
                  issues={(issues ?? []).filter((i) => i.node === one.id)}
                  onParams={(params) => canvas.updateNode(one.id, { params })}
                  onLabel={(label) => canvas.updateNode(one.id, { label })}
                  extra={
                    spec.role === "point-output" ? (
                      <NodeLimits nodeId={one.id} point={String(one.data.params["point"] ?? "")} limits={pointLimits} />
                    ) : null
                  }
                />
              ) : (
                <p className="hint">
                  {selected.length > 1
                    ? `${selected.length} blocks selected.`
                    : "Select a block to edit its parameters. Drag blocks from the palette, or focus one and press Enter."}
                </p>
              ))}
            {panel === "validation" && (
              <ProblemsPanel
                issues={issues}
                graph={docGraph}
                onSelect={selectIssue}
                onFlow={(f) => {
                  inside.up(0);
                  tabs.switchFlow(f);
                }}
              />
            )}
            {panel === "simulate" && <Simulation projectId={projectId} flowId={flowId} nodes={nodes} catalogue={catalogue} />}
            {panel === "calendars" && (
              <CalendarEditor calendars={calendars.calendars} saving={calendars.saving} nodes={doc.graphNow()?.nodes ?? []}
                selected={one && { id: one.id, label: one.data.label, blockType: one.data.blockType, params: one.data.params }}
                onChange={(next) => void calendars.update(next)}
                onUse={(id, name) => one && canvas.updateNode(id, { params: withCalendar(one.data.blockType, one.data.params, name) })} />
            )}
            {panel === "deployments" && (
              <DeploymentsPanel
                deployments={deploy.deployments}
                // this project's version on the engine: another project's 0.1.0 is not ours
                engineVersion={engine && (engine.projectId ?? projectId) === projectId ? (engine.version ?? null) : null}
                onRollback={(v) => void deploy.rollback(v, project.name, engine)}
              />
            )}
          </aside>
        </div>
        <EngineStatusBar engine={engine} onCommand={refreshEngine} />
        {autosave.conflict && (
          <ConflictDialog
            theirs={autosave.conflict.theirs}
            mine={project.revision}
            onResolve={(keepMine) => void autosave.resolveConflict(keepMine)}
          />
        )}
        {pointTable && <PointTable limits={pointLimits} onClose={() => setPointTable(false)} />}
        {templates && (
          <TemplateDialog
            projectId={projectId}
            project={doc.projectRef.current ?? project}
            flowId={flowId}
            onClose={() => setTemplates(false)}
            onSaved={(p, note) => {
              const g = p.content.graph;
              if (g) {
                autosave.markSaved(g);
                doc.showGraph(p, g);
                window.setTimeout(canvas.fit, 50); // the new instances are drawn by then
              }
              setMessage(note);
            }}
          />
        )}
        {deploy.pending && (
          <DeployDialog deploy={deploy.pending} onCancel={() => void deploy.cancel()} onConfirm={(choice) => void deploy.confirm(choice)} />
        )}
      </div>
      </OverriddenPointsContext.Provider>
    </CatalogueContext.Provider>
  );
}

export function Editor({ projectId }: { projectId: string }) {
  return (
    <ReactFlowProvider>
      <EditorInner projectId={projectId} />
    </ReactFlowProvider>
  );
}
