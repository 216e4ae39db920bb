/**
 * The override mark of a point block on the canvas: the editor provides the overridden points
 * once (one poll for the whole canvas), each point block looks its own point up.
 */
import { createContext, useContext } from "react";
import type { JsonValue } from "../../api/types";
import type { OverriddenPoints } from "../../hooks/useOverriddenPoints";
import { pointKey } from "../../lib/pointRefs";
import { OverrideMark } from "./OverrideMark";

export const OverriddenPointsContext = createContext<OverriddenPoints>(new Map());

export function PointOverrideMark({ params }: { params: { [key: string]: JsonValue } }) {
  const overridden = useContext(OverriddenPointsContext);
  const point = params.point;
  if (typeof point !== "string" || !point) return null;
  return <OverrideMark overrides={overridden.get(pointKey(point))} compact />;
}
