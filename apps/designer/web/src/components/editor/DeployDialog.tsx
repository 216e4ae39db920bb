/** Confirm a deploy after seeing what it changes: blocks, written points and priorities. */
import type { PendingDeploy } from "../../hooks/useDeploy";
import type { GraphDiff } from "../../lib/diff";
import { Dialog } from "../Dialog";

function DiffView({ diff, from }: { diff: GraphDiff & { version: string }; from: string }) {
  const rows: [string, string[]][] = [
    ["Blocks added", diff.blocksAdded],
    ["Blocks removed", diff.blocksRemoved],
    ["Blocks changed", diff.blocksChanged.map((c) => `${c.node}: ${c.fields.join(", ")}`)],
    ["Points newly written", diff.pointsNewlyWritten],
    ["Points no longer written", diff.pointsNoLongerWritten],
    ["Priority changes", diff.priorityChanges.map((p) => `${p.point}: ${p.before} → ${p.after}`)],
  ];
  return (
    <div data-testid="diff">
      <p>
        From {from} to {diff.version}.
      </p>
      <dl className="diff">
        {rows.map(([title, items]) => (
          <div key={title}>
            <dt>{title}</dt>
            <dd>{items.length ? items.join("; ") : "none"}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function DeployDialog({ deploy, onCancel, onConfirm }: { deploy: PendingDeploy; onCancel: () => void; onConfirm: () => void }) {
  return (
    <Dialog
      title={`Deploy ${deploy.version}?`}
      onClose={onCancel}
      actions={
        <>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={onConfirm}>
            Deploy {deploy.version}
          </button>
        </>
      }
    >
      {deploy.diff ? (
        <DiffView
          diff={deploy.diff}
          from={deploy.diff.activeVersion ? `active version ${deploy.diff.activeVersion}` : "nothing deployed"}
        />
      ) : (
        <>
          <p className="error">The engine's active version is not known: {deploy.error}</p>
          {deploy.local && <DiffView diff={{ ...deploy.local.diff, version: deploy.version }} from={deploy.local.from} />}
        </>
      )}
    </Dialog>
  );
}
