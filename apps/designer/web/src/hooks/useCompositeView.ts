/**
 * Which composite instance is open on the canvas (a path of instance ids, outermost first, so
 * a composite inside a composite opens too) and which inner block is selected there. Escape
 * goes up one level; the breadcrumbs jump to any level.
 */
import { useCallback, useEffect, useState } from "react";

export interface CompositeView {
  /** The open instance's path, e.g. ["zone_3"], or null when the flow itself is shown. */
  path: string[] | null;
  /** The selected inner block of the open instance. */
  selected: string | null;
  open: (path: string[], select?: string | null) => void;
  select: (inner: string | null) => void;
  /** Show the level ``depth`` (0 = the flow, 1 = the outermost instance...). */
  up: (depth: number) => void;
}

export function useCompositeView(): CompositeView {
  const [path, setPath] = useState<string[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  const open = useCallback((p: string[], select: string | null = null) => {
    setPath(p.length ? p : null);
    setSelected(select);
  }, []);
  const up = useCallback((depth: number) => {
    setPath((p) => (p && depth > 0 ? p.slice(0, depth) : null));
    setSelected(null);
  }, []);

  useEffect(() => {
    if (!path) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key !== "Escape" || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName) || target.closest("dialog")) return;
      e.preventDefault();
      up(path.length - 1);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [path, up]);

  return { path, selected, open, select: setSelected, up };
}
