/** The one node component: a handle per typed port, resolved from the node's params. */
import { Handle, type NodeProps, Position } from "@xyflow/react";
import { memo, useContext } from "react";
import { describeType, inputsOf, outputsOf } from "../lib/connection";
import type { BlockNode as BlockNodeType } from "../lib/graph";
import { CatalogueContext } from "./catalogue";
import { PointOverrideMark } from "./overrides/PointOverrideMark";

function BlockNodeView({ id, data, selected }: NodeProps<BlockNodeType>) {
  const spec = useContext(CatalogueContext).get(data.blockType);
  const inputs = spec ? inputsOf(spec, data.params) : [];
  const outputs = spec ? outputsOf(spec, data.params) : [];
  const issues = data.issues ?? [];
  const rows = Math.max(inputs.length, outputs.length);
  return (
    <div
      className={`block-node${issues.length ? " has-issues" : ""}${selected ? " selected" : ""}${data.status ? ` status-${data.status}` : ""}${spec?.category === "composite" ? " is-composite" : ""}`}
      data-testid={`node-${id}`}
      title={issues.length ? issues.join("\n") : `${spec?.doc ?? data.blockType}${spec?.category === "composite" ? "\nDouble-click to open it." : ""}`}
    >
      <div className="block-head">
        <strong>{data.label || id}</strong>
        <span className="block-type">{spec?.title ?? data.blockType}</span>
      </div>
      <PointOverrideMark params={data.params} />
      <div className="block-ports">
        {Array.from({ length: rows }, (_, i) => {
          const inp = inputs[i];
          const out = outputs[i];
          const live = out ? data.live?.[out.name] : undefined;
          return (
            <div className="port-row" key={i}>
              <span className="port in">
                {inp && (
                  <>
                    <Handle
                      type="target"
                      position={Position.Left}
                      id={inp.name}
                      className={`handle t-${inp.type?.type ?? "any"}`}
                      title={`${inp.name}: ${describeType(inp.type)}${inp.doc ? ` — ${inp.doc}` : ""}`}
                    />
                    <span className={inp.required ? "req" : ""}>{inp.name}</span>
                  </>
                )}
              </span>
              <span className="port out">
                {out && (
                  <>
                    {live !== undefined && (
                      <span className="live" data-testid={`live-${id}-${out.name}`}>
                        {live}
                      </span>
                    )}
                    <span>{out.name}</span>
                    <Handle
                      type="source"
                      position={Position.Right}
                      id={out.name}
                      className={`handle t-${out.type?.type ?? "any"}`}
                      title={`${out.name}: ${describeType(out.type)}${out.doc ? ` — ${out.doc}` : ""}`}
                    />
                  </>
                )}
              </span>
            </div>
          );
        })}
      </div>
      {issues.length > 0 && (
        <div className="block-issue" role="note">
          {issues[0]}
        </div>
      )}
    </div>
  );
}

export const BlockNode = memo(BlockNodeView);
