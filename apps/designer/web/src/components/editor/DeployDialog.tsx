/**
 * Confirm a deploy after seeing what it changes: blocks (old -> new parameter values), written
 * points, priorities and limits. Replacing another project asks for its name to be typed, and a
 * lower version for an explicit tick: the engine refuses both unless the deploy says so.
 */
import type { BundleDiff } from "../../api/types";
import { useState } from "react";
import type { DeployChoice, PendingDeploy } from "../../hooks/useDeploy";
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
      if (!diff.activeVersion) return "nothing deployed";
      return diff.otherProject && diff.activeProject
        ? `${diff.activeProject.name}'s active version ${diff.activeVersion}`
        : `active version ${diff.activeVersion}`;
  }
}

/** A value as the diff shows it: unset is "unset", text quoted only when it is empty. */
function shown(v: unknown): string {
  if (v === null || v === undefined) return "unset";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** "damper: priority 10 → 12, point …"; fields without values (inputs, flow) by name. */
function nodeChange(c: BundleDiff["blocksChanged"][number]): string {
  const params = Object.entries(c.params ?? {}).map(([k, v]) => `${k} ${shown(v.before)} → ${shown(v.after)}`);
  const others = c.fields.filter((f) => !f.startsWith("params."));
  return `${c.node}: ${[...params, ...others].join(", ")}`;
}

function limitChange(c: BundleDiff["constraintChanges"][number]): string {
  const fields = Object.entries(c.changes).map(([k, v]) => `${k} ${shown(v.before)} → ${shown(v.after)}`);
  return `${c.point}: ${fields.join(", ")}`;
}

function DiffView({ diff }: { diff: BundleDiff }) {
  const rows: [string, string[]][] = [
    ["Blocks added", diff.blocksAdded],
    ["Blocks removed", diff.blocksRemoved],
    ["Blocks changed", diff.blocksChanged.map(nodeChange)],
    ["Points newly written", diff.pointsNewlyWritten],
    ["Points no longer written", diff.pointsNoLongerWritten],
    ["Priority changes", diff.priorityChanges.map((p) => `${p.point}: ${p.before} → ${p.after}`)],
    ["Limit changes", (diff.constraintChanges ?? []).map(limitChange)],
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
            <dd>
              {items.length ? (
                <ul>
                  {items.map((i) => (
                    <li key={i}>{i}</li>
                  ))}
                </ul>
              ) : (
                "none"
              )}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function projectText(p: { name: string; id: string } | null | undefined, version: string | null | undefined): string {
  return p ? `${p.name} (id ${p.id})${version ? `, version ${version}` : ""}` : "an unnamed project";
}

export function DeployDialog({
  deploy,
  onCancel,
  onConfirm,
}: {
  deploy: PendingDeploy;
  onCancel: () => void;
  onConfirm: (choice: DeployChoice) => void;
}) {
  const { diff } = deploy;
  const [typed, setTyped] = useState("");
  const [lowerOk, setLowerOk] = useState(false);
  const [note, setNote] = useState("");
  const name = diff.project?.name ?? "";
  const otherOk = !diff.otherProject || typed.trim() === name;
  const ready = otherOk && (!diff.lowerVersion || lowerOk);
  return (
    <Dialog
      title={`Deploy ${deploy.version}?`}
      onClose={onCancel}
      actions={
        <>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={!ready}
            onClick={() =>
              onConfirm({ allowOtherProject: diff.otherProject || undefined, allowLowerVersion: diff.lowerVersion || undefined, note })
            }
          >
            Deploy {deploy.version}
          </button>
        </>
      }
    >
      {diff.engineError && <p className="error">The engine's active version is not known: {diff.engineError}</p>}
      {diff.otherProject && (
        <div className="guard" data-testid="other-project">
          <p>
            <strong>The engine runs another project.</strong> Deploying replaces its whole program.
          </p>
          <dl className="diff">
            <div>
              <dt>Running now</dt>
              <dd>{projectText(diff.activeProject, diff.activeVersion)}</dd>
            </div>
            <div>
              <dt>To deploy</dt>
              <dd>{projectText(diff.project, deploy.version)}</dd>
            </div>
          </dl>
          <div className="field">
            <label htmlFor="confirm-project">
              Type <code>{name}</code> to confirm
            </label>
            <input id="confirm-project" value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)} />
          </div>
        </div>
      )}
      {diff.lowerVersion && (
        <div className="guard" data-testid="lower-version">
          <label>
            <input type="checkbox" checked={lowerOk} onChange={(e) => setLowerOk(e.target.checked)} /> Go back from the active version{" "}
            {diff.activeVersion} to the lower {deploy.version}
          </label>
        </div>
      )}
      <DiffView diff={diff} />
      <div className="field">
        <label htmlFor="deploy-note">Note (optional, shown in the history)</label>
        <input id="deploy-note" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
    </Dialog>
  );
}
