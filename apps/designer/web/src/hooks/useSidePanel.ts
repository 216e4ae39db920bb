/** The editor's side panel: its width (dragged, kept in this browser) and whether it is collapsed. */
import { useCallback, useState } from "react";

const KEY = "bms.sidePanel";
export const SIDE_MIN = 260;
export const SIDE_MAX = 720;
export const SIDE_COLLAPSED = 30;

interface Saved {
  width: number;
  collapsed: boolean;
}

function load(): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "") as Partial<Saved>;
    return { width: clamp(Number(saved.width) || 320), collapsed: saved.collapsed === true };
  } catch {
    return { width: 320, collapsed: false };
  }
}

export const clamp = (w: number) => Math.min(SIDE_MAX, Math.max(SIDE_MIN, Math.round(w)));

export function useSidePanel() {
  const [state, setState] = useState<Saved>(load);
  const update = useCallback((next: Saved) => {
    setState(next);
    localStorage.setItem(KEY, JSON.stringify(next));
  }, []);
  const setWidth = useCallback((w: number) => update({ width: clamp(w), collapsed: false }), [update]);
  const toggle = useCallback(() => update({ ...state, collapsed: !state.collapsed }), [state, update]);
  return { width: state.collapsed ? SIDE_COLLAPSED : state.width, collapsed: state.collapsed, setWidth, toggle };
}
