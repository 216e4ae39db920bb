/** The side panel while a composite instance is open: what the composite is, and the selected inner block's parameters. */
import { useContext } from "react";
import type { JsonValue, ValidationIssue } from "../../api/types";
import type { CompositeEdit } from "../../hooks/useCompositeEdit";
import { type Level, issuePath, issuesInside } from "../../lib/compositeInside";
import { CatalogueContext } from "../catalogue";
import { ParamPanel, type PointOption } from "../ParamPanel";

const show = (v: JsonValue | undefined): string => (v === undefined || v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));

export function InsidePanel({
  levels,
  selected,
  issues,
  edit,
}: {
  levels: Level[];
  selected: string | null;
  issues: ValidationIssue[] | null;
  /** Set while the definition is being edited: the inner block's parameters become a form. */
  edit?: CompositeEdit & { points: PointOption[] };
}) {
  const catalogue = useContext(CatalogueContext);
  const level = levels[levels.length - 1]!;
  const def = level.definition;
  const instanceParams = level.params;
  const inner = selected ? def.nodes.find((n) => n.id === selected) : undefined;
  const spec = inner ? catalogue.get(inner.type) : undefined;
  const innerIssues = inner ? (issuesInside(issues ?? [], levels.map((l) => l.id)).get(inner.id) ?? []) : [];
  // An inner parameter set per instance shows the instance's value, not the definition's.
  const fromInstance = new Map<string, string>();
  for (const p of def.params ?? []) for (const t of p.targets) fromInstance.set(`${t.node}.${t.param}`, p.name);
  if (edit && inner && spec) {
    const at = [...levels.map((l) => l.id), inner.id].join(">");
    return (
      <>
        <p className="hint">
          Editing composite {def.name} (version {def.version}): a change here changes every instance; the first change of this edit saves it as a new version.
        </p>
        <ParamPanel
          nodeId={inner.id}
          spec={spec}
          params={inner.params ?? {}}
          label={inner.label ?? null}
          points={edit.points}
          issues={(issues ?? []).filter((i) => issuePath(i).join(">") === at)}
          onParams={(params) => edit.setInner(inner.id, { params })}
          onLabel={(label) => edit.setInner(inner.id, { label })}
        />
      </>
    );
  }
  return (
    <section className="inside-panel param-panel" aria-label="Inside the composite">
      <h2>{inner ? inner.label || inner.id : level.label}</h2>
      {inner ? (
        <>
          <p className="doc">
            {spec?.title ?? inner.type} inside {level.label} ({def.name} v{def.version}). The definition is shared by every instance: “Edit definition” changes it for all of them.
          </p>
          <dl>
            {Object.keys({ ...inner.params }).length === 0 && (
              <>
                <dt>parameters</dt>
                <dd>defaults</dd>
              </>
            )}
            {Object.entries(inner.params ?? {}).map(([k, v]) => {
              const param = fromInstance.get(`${inner.id}.${k}`);
              return (
                <div key={k} style={{ display: "contents" }}>
                  <dt>{k}</dt>
                  <dd>{param ? `${show(instanceParams[param] ?? v)} (instance parameter ${param})` : show(v)}</dd>
                </div>
              );
            })}
          </dl>
          {innerIssues.map((m, i) => (
            <p key={i} className="field-error" role="alert">
              {m}
            </p>
          ))}
        </>
      ) : (
        <>
          <p className="doc">
            Composite {def.title || def.name}, version {def.version}
            {def.doc ? `: ${def.doc}` : ""}. {def.nodes.length} blocks inside. Select one to see its parameters.
          </p>
          <h3>Inputs</h3>
          <dl>
            {def.inputs.map((p) => (
              <div key={p.name} style={{ display: "contents" }}>
                <dt>{p.name}</dt>
                <dd>
                  {p.type.type}
                  {p.type.unit ? ` (${p.type.unit})` : ""} → {p.targets.map((t) => `${t.node}.${t.port}`).join(", ")}
                </dd>
              </div>
            ))}
          </dl>
          <h3>Outputs</h3>
          <dl>
            {def.outputs.map((p) => (
              <div key={p.name} style={{ display: "contents" }}>
                <dt>{p.name}</dt>
                <dd>
                  {p.type.type}
                  {p.type.unit ? ` (${p.type.unit})` : ""} ← {p.source.node}.{p.source.port}
                </dd>
              </div>
            ))}
          </dl>
          {(def.params ?? []).length > 0 && (
            <>
              <h3>Parameters of this instance</h3>
              <dl>
                {(def.params ?? []).map((p) => (
                  <div key={p.name} style={{ display: "contents" }}>
                    <dt>{p.name}</dt>
                    <dd>
                      {show(instanceParams[p.name] ?? p.default)}
                      {p.unit ? ` ${p.unit}` : ""}
                    </dd>
                  </div>
                ))}
              </dl>
            </>
          )}
        </>
      )}
    </section>
  );
}
