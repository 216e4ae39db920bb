/** A composite's own input or output port, drawn inside it at the left or right edge. */
import { Handle, type Node, type NodeProps, Position } from "@xyflow/react";
import { memo } from "react";
import type { PinData } from "../../lib/compositeInside";

export type PinNodeType = Node<PinData, "pin">;

function PinNodeView({ id, data }: NodeProps<PinNodeType>) {
  const input = data.side === "in";
  return (
    <div className={`pin-node ${input ? "pin-in" : "pin-out"}`} data-testid={`pin-${id}`} title={`${input ? "Input" : "Output"} ${data.name}: ${data.type}`}>
      {!input && <Handle type="target" position={Position.Left} id="value" isConnectable={false} />}
      <span className="pin-kind">{input ? "input" : "output"}</span>
      <strong>{data.name}</strong>
      {data.live !== undefined && <span className="live">{data.live}</span>}
      {input && <Handle type="source" position={Position.Right} id="value" isConnectable={false} />}
    </div>
  );
}

export const PinNode = memo(PinNodeView);
