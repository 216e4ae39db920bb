import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { EngineStatus } from "../../api/types";
import { EngineStatusBar } from "./EngineStatusBar";

const running: EngineStatus = {
  state: "running",
  version: "1.0.0",
  hash: "sha256:00",
  flows: [],
  faults: {},
  iot: {
    url: "http://127.0.0.1:8080", connected: true, streamConnected: true, lastError: null,
    reconnects: 0, pendingWrites: 0, writesSent: 12, writesRefused: 0, writesFailed: 0,
    unauthorized: false, devicesOffline: [],
  },
  pointsRead: 3,
  pointsWritten: 2,
  commands: {
    held: 2, confirmed: 1, mismatches: 3, failures: 0, reasserts: 1, lastReassert: "engine start",
    refreshS: 600, unconfirmed: [],
  },
  degradedReasons: [],
  fallbackFrom: null,
};

describe("EngineStatusBar", () => {
  it("says nothing about health when the engine is not degraded", () => {
    const html = renderToStaticMarkup(createElement(EngineStatusBar, { engine: running }));
    expect(html).toContain("version 1.0.0");
    expect(html).toContain("commands 1/2 confirmed");
    expect(html).not.toContain("Degraded");
  });

  it("shows why the engine is degraded and which version really runs", () => {
    const engine: EngineStatus = {
      ...running,
      fallbackFrom: "1.1.0",
      degradedReasons: ["running fallback version 1.0.0: version 1.1.0 failed to load (bad json)", "device(s) offline: 2101"],
    };
    const html = renderToStaticMarkup(createElement(EngineStatusBar, { engine }));
    expect(html).toContain("version 1.0.0 (fallback: 1.1.0 failed to load)");
    expect(html).toContain("Degraded: running fallback version 1.0.0");
    expect(html).toContain("device(s) offline: 2101");
  });
});
