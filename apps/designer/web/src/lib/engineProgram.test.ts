import { describe, expect, it } from "vitest";
import { engineProgram } from "./engineProgram";

describe("engineProgram", () => {
  it("names the project beside the version", () => {
    expect(engineProgram({ projectName: "School", version: "0.1.0" })).toBe("School, version 0.1.0");
  });
  it("says the version alone when the engine does not name a project", () => {
    expect(engineProgram({ projectName: null, version: "1.0.0" })).toBe("version 1.0.0");
  });
  it("says none when nothing runs", () => {
    expect(engineProgram({ projectName: "School", version: null })).toBe("version none");
  });
});
