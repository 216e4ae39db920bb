/** Someone else saved the project: keep theirs (reload) or mine (overwrite). Nothing was lost yet. */
import { Dialog } from "../Dialog";

export interface ConflictDialogProps {
  /** The server's current revision (-1 when it did not say). */
  theirs: number;
  mine: number;
  onResolve: (keepMine: boolean) => void;
}

export function ConflictDialog({ theirs, mine, onResolve }: ConflictDialogProps) {
  return (
    <Dialog
      title="Someone else saved this project"
      role="alertdialog"
      onClose={() => undefined}
      actions={
        <>
          <button type="button" onClick={() => onResolve(false)}>
            Reload their version (discard mine)
          </button>
          <button type="button" className="danger" onClick={() => onResolve(true)}>
            Overwrite with mine
          </button>
        </>
      }
    >
      <p data-testid="conflict">
        Your changes were not saved: the project changed on the server
        {theirs > 0 ? ` (now at revision ${theirs})` : ""} since you loaded revision {mine}. Nothing was overwritten. Choose
        which version to keep.
      </p>
    </Dialog>
  );
}
