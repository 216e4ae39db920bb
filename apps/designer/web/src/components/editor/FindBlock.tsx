/**
 * Find a block (Ctrl-F or Cmd-F on the canvas): search every flow's blocks by id, label or
 * type; Enter or a click selects the block, switching to its flow and centring it.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type { Graph } from "../../api/types";

interface Hit {
  id: string;
  label: string;
  type: string;
  flow: string;
}

const MAX_HITS = 12;

export function findBlocks(graph: Graph | undefined, query: string): Hit[] {
  const q = query.trim().toLowerCase();
  if (!q || !graph) return [];
  const flows = new Map((graph.flows ?? []).map((f) => [f.id, f.name]));
  return (graph.nodes ?? [])
    .filter((n) => [n.id, n.label ?? "", n.type].some((s) => s.toLowerCase().includes(q)))
    .map((n) => ({ id: n.id, label: n.label ?? "", type: n.type, flow: flows.get(n.flow) ?? n.flow }))
    .sort((a, b) => Number(!a.id.toLowerCase().startsWith(q)) - Number(!b.id.toLowerCase().startsWith(q)))
    .slice(0, MAX_HITS);
}

export function FindBlock({ graph, onPick }: { graph: Graph | undefined; onPick: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const hits = useMemo(() => findBlocks(graph, query), [graph, query]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "f") {
        e.preventDefault(); // the browser's own find cannot see blocks off screen
        setOpen(true);
        window.setTimeout(() => input.current?.select(), 0);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  if (!open) return null;
  const pick = (hit: Hit | undefined) => {
    if (!hit) return;
    onPick(hit.id);
    setOpen(false);
  };
  return (
    <div className="find-block" role="dialog" aria-label="Find a block">
      <input
        ref={input}
        aria-label="Find a block"
        placeholder="Find a block by name, id or type…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") setOpen(false);
          else if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, hits.length - 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
          else if (e.key === "Enter") pick(hits[active]);
          else return;
          e.preventDefault();
        }}
      />
      {query.trim() && (
        <ul role="listbox" aria-label="Blocks found">
          {hits.length === 0 && <li className="hint">No block matches “{query.trim()}”.</li>}
          {hits.map((h, i) => (
            <li
              key={h.id}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(h);
              }}
            >
              <strong>{h.label || h.id}</strong> <span className="block-type">{h.type}</span>{" "}
              <span className="hint">{h.label ? `${h.id} · ` : ""}{h.flow}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
