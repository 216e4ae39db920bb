import { describe, expect, it } from "vitest";
import { afterChange } from "./useAutosave";

const saved = '{"nodes":[]}';
const edited = '{"nodes":[{"id":"k"}]}';

describe("afterChange", () => {
  it("marks an edit as unsaved", () => {
    expect(afterChange("saved", edited, saved)).toBe("dirty");
  });
  it("clears 'Unsaved changes' when undo returns to the saved graph", () => {
    expect(afterChange("dirty", saved, saved)).toBe("saved");
  });
  it("is unsaved again when redo leaves the saved graph", () => {
    expect(afterChange("saved", edited, saved)).toBe("dirty");
  });
  it("clears a failed save's error once the graph is back at what the server holds", () => {
    expect(afterChange("error", saved, saved)).toBe("saved");
    expect(afterChange("error", edited, saved)).toBe("dirty");
  });
  it("leaves a save in flight and a conflict alone", () => {
    expect(afterChange("saving", saved, saved)).toBe("saving");
    expect(afterChange("conflict", edited, saved)).toBe("conflict");
  });
});
