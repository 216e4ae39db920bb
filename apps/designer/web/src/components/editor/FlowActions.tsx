/** Make a composite of the selection; reorder (flows run in this order) and delete the current flow. */
export interface FlowActionsProps {
  index: number;
  count: number;
  selected: number;
  onMove: (by: -1 | 1) => void;
  onDelete: () => void;
  onMakeComposite: () => void;
}

export function FlowActions({ index, count, selected, onMove, onDelete, onMakeComposite }: FlowActionsProps) {
  return (
    <div className="flow-actions">
      <button
        type="button"
        onClick={onMakeComposite}
        disabled={selected < 2}
        title="Replace the selected blocks by one composite block made of them"
      >
        Make composite
      </button>
      <button type="button" onClick={() => onMove(-1)} disabled={index <= 0} aria-label="Move flow left" title="Move flow left (runs earlier)">
        ◀
      </button>
      <button type="button" onClick={() => onMove(1)} disabled={index >= count - 1} aria-label="Move flow right" title="Move flow right (runs later)">
        ▶
      </button>
      <button type="button" onClick={onDelete} disabled={count <= 1} aria-label="Delete flow" title="Delete this flow and its blocks">
        Delete flow
      </button>
    </div>
  );
}
