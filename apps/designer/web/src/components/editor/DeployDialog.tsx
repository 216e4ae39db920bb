/** Confirm a deploy after seeing what it changes: blocks, written points and priorities. */
import type { BundleDiff } from "../../api/types";
import type { PendingDeploy } from "../../hooks/useDeploy";
import { Dialog } from "../Dialog";

/** What the server compared the bundle with, in words. */
function baseText(diff: BundleDiff): string {
  switch (diff.base) {
    case "chosen":
      return `version ${diff.baseVersion}`;
    case "previous":
      return `the previous bundle ${diff.baseVersion}`;
    case "none":
      return "nothing (no earlier bundle)";
    default:
      return diff.activeVersion ? `active version ${diff.activeVersion}` : "nothing deployed";
  }
}

function DiffView({ diff }: { diff: BundleDiff }) {
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
        From {baseText(diff)} to {diff.version}.
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
      {deploy.diff.engineError && <p className="error">The engine's active version is not known: {deploy.diff.engineError}</p>}
      <DiffView diff={deploy.diff} />
    </Dialog>
  );
}
