/** The editor's toolbar: the save state, undo/redo, fit, arrange, validate, deploy, and the last message. */
import type { SaveState } from "../../hooks/useAutosave";

const SAVE_TEXT: Record<Exclude<SaveState, "saved">, string> = {
  dirty: "Unsaved changes",
  saving: "Saving…",
  conflict: "Conflict",
  error: "Save failed",
};

export interface EditorToolbarProps {
  projectName: string;
  revision: number;
  saveState: SaveState;
  refused: string | null;
  message: string | null;
  onUndo: () => void;
  onRedo: () => void;
  onFit: () => void;
  onArrange: () => void;
  onValidate: () => void;
  onDeploy: () => void;
  /** Opens the project's point table (limits of every commanded point). */
  onLimits?: () => void;
}

export function EditorToolbar(props: EditorToolbarProps) {
  const { saveState, refused, message } = props;
  return (
    <div className="toolbar" role="toolbar" aria-label="Editor">
      <strong className="project-name">{props.projectName}</strong>
      <span className={`save-state ${saveState}`} data-testid="save-state" aria-live="polite">
        {saveState === "saved" ? `Saved (revision ${props.revision})` : SAVE_TEXT[saveState]}
      </span>
      <button type="button" onClick={props.onUndo} title="Undo (Ctrl+Z)">
        Undo
      </button>
      <button type="button" onClick={props.onRedo} title="Redo (Ctrl+Shift+Z)">
        Redo
      </button>
      <button type="button" onClick={props.onFit} title="Zoom to fit (F)">
        Fit
      </button>
      <button type="button" onClick={props.onArrange} title="Auto-layout the selected blocks (L)">
        Arrange
      </button>
      {props.onLimits && (
        <button type="button" onClick={props.onLimits}>
          Point limits
        </button>
      )}
      <button type="button" onClick={props.onValidate}>
        Validate
      </button>
      <button type="button" onClick={props.onDeploy} className="primary">
        Deploy…
      </button>
      {refused && (
        <span className="refused" role="status" data-testid="refused">
          Refused: {refused}
        </span>
      )}
      {message && (
        <span className="message" role="status">
          {message}
        </span>
      )}
    </div>
  );
}
