/** The block palette: grouped by category, searchable, doc on hover; drag or Enter to add. */
import { useMemo, useState } from "react";
import type { BlockSpec } from "../api/types";

export const DRAG_MIME = "application/x-bms-block";

export function Palette({ blocks, onAdd }: { blocks: BlockSpec[]; onAdd: (type: string) => void }) {
  const [query, setQuery] = useState("");
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const by = new Map<string, BlockSpec[]>();
    for (const b of blocks) {
      const hay = `${b.type} ${b.title} ${b.doc} ${b.category}`.toLowerCase();
      if (q && !hay.includes(q)) continue;
      by.set(b.category, [...(by.get(b.category) ?? []), b]);
    }
    return [...by.entries()];
  }, [blocks, query]);

  return (
    <aside className="palette" aria-label="Block palette">
      <input
        type="search"
        placeholder="Search blocks"
        aria-label="Search blocks"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <div className="palette-groups">
        {groups.length === 0 && (
          <p className="empty" role="status">
            No block matches “{query.trim()}”. Try a type (pid, limit) or a category (alarm, hvac).
          </p>
        )}
        {groups.map(([category, items]) => (
          <details key={category} open={query !== "" || category === "io" || category === "control"}>
            <summary>
              {category} <span className="count">{items.length}</span>
            </summary>
            <ul>
              {items.map((b) => (
                <li
                  key={b.type}
                  className="palette-item"
                  draggable
                  tabIndex={0}
                  role="button"
                  data-type={b.type}
                  title={`${b.type}: ${b.doc}`}
                  aria-label={`Add ${b.title} (${b.type})`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_MIME, b.type);
                    e.dataTransfer.effectAllowed = "move";
                  }}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" || e.key === " ") {
                      e.preventDefault();
                      onAdd(b.type);
                    }
                  }}
                  onDoubleClick={() => onAdd(b.type)}
                >
                  {b.title}
                  <span className="doc">{b.doc}</span>
                </li>
              ))}
            </ul>
          </details>
        ))}
      </div>
    </aside>
  );
}
