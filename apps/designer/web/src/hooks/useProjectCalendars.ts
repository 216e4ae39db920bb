/**
 * The project's shared calendars: read from the project being edited, and each change saved at
 * once through the editor's save queue (with the revision check), since calendars live beside the
 * graph in the project's content and the graph-driven autosave does not see them.
 */
import { useCallback, useState } from "react";
import type { Calendars } from "../lib/calendars";
import type { FlowDocument } from "./useFlowDocument";

export function useProjectCalendars(doc: FlowDocument, saveNow: () => Promise<void>) {
  const [saving, setSaving] = useState(false);
  const { projectRef, setProject } = doc;
  const calendars: Calendars = doc.project?.content.calendars ?? {};

  const update = useCallback(
    async (next: Calendars) => {
      const p = projectRef.current;
      if (!p) return;
      const changed = { ...p, content: { ...p.content, calendars: next } };
      projectRef.current = changed; // the queued save reads it before React renders
      setProject(changed);
      setSaving(true);
      try {
        await saveNow();
      } finally {
        setSaving(false);
      }
    },
    [projectRef, setProject, saveNow],
  );

  return { calendars, update, saving };
}
