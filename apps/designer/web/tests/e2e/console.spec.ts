/**
 * The operator's console against the whole system: a limit alarm raised by the simulated zone
 * going out of range, acknowledged with a note on the Alarms page; two zone temperatures and a
 * damper command on the Trends page with units on the axes; the engine stopped and started from
 * the status bar; the Devices page opened and left 20 times without leaking IoT subscriptions.
 * Screenshots at 1440x900 and 1024x700 go to test-results/.
 */
import { type Page } from "@playwright/test";
import { expect, shot, test, watchConsole } from "./fixtures";
import { signIn as signInAs, useStack } from "./sharedStack";
import { IOT_TOKEN } from "./stack";

const TEMP = "2001/analog-value,1/present-value";
const TEMP2 = "2001/analog-value,2/present-value";
const DAMPER = "2001/analog-output,1/present-value";
const FLOW = { id: "zone", name: "Zone 1", schedule: { periodMs: 500, phaseMs: 0 }, triggerOnChange: [] };

const stack = useStack();
let csrf = "";

async function signIn(page: Page): Promise<void> {
  csrf = await signInAs(page, stack);
}

async function post(page: Page, path: string, data: unknown) {
  const r = await page.request.post(`${stack.url}${path}`, { headers: { "x-csrf-token": csrf }, data });
  expect(r.ok(), `${path}: ${await r.text()}`).toBe(true);
  return r.json();
}

async function override(page: Page, point: string, value: number | null, reason: string) {
  const path = value === null ? "/api/iot/points/release" : "/api/iot/points/write";
  await post(page, path, value === null ? { point, priority: 8, reason } : { point, value, priority: 8, reason });
}

async function subscriptions(page: Page): Promise<number> {
  const text = await (await page.request.get(`${stack.iotUrl}/metrics`, { headers: { authorization: `Bearer ${IOT_TOKEN}` } })).text();
  return Number(/^iot_subscriptions (\S+)$/m.exec(text)?.[1] ?? "NaN");
}

async function both(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, `${name}-1440`);
  await page.setViewportSize({ width: 1024, height: 700 });
  await shot(page, `${name}-1024`);
  await page.setViewportSize({ width: 1440, height: 900 });
}

test("alarms, trends, engine control and subscriptions in the console", async ({ page }) => {
  const errors = watchConsole(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  const project = (await post(page, "/api/projects", {
    name: "Zone alarms",
    content: {
      graph: {
        flows: [FLOW],
        nodes: [
          { id: "t", type: "io.point-input", flow: "zone", params: { point: TEMP, staleAfterS: 5 }, label: "Zone 1 temperature" },
          { id: "hi", type: "alarm.limit", flow: "zone", label: "Zone 1 too warm",
            params: { highLimit: 28.0, deadband: 0.5, priority: 20, alarmClass: "comfort", unit: "°C",
                      message: "{label}: {value:.1f} {unit}, above {limit:.1f} {unit}" } },
          { id: "sp", type: "io.constant", flow: "zone", params: { value: 21.0 } },
          { id: "pid", type: "control.pid", flow: "zone", params: { kp: 10.0, tiS: 0, action: "direct" } },
          { id: "damper", type: "io.point-output", flow: "zone", params: { point: DAMPER, priority: 10 } },
        ],
        edges: [
          { source: "t", sourcePort: "value", target: "hi", targetPort: "in" },
          { source: "t", sourcePort: "value", target: "pid", targetPort: "pv" },
          { source: "sp", sourcePort: "value", target: "pid", targetPort: "setpoint" },
          { source: "pid", sourcePort: "out", target: "damper", targetPort: "value" },
        ],
        layout: { t: { x: 0, y: 0 }, hi: { x: 280, y: -140 }, sp: { x: 0, y: 160 }, pid: { x: 280, y: 40 }, damper: { x: 560, y: 40 } },
      },
    },
  })) as { id: string };
  const bundle = (await post(page, `/api/projects/${project.id}/bundles`, {})) as { version: string };
  await post(page, `/api/projects/${project.id}/deployments`, { version: bundle.version });

  await test.step("the zone pushed out of range raises the alarm; acknowledge it with a note", async () => {
    await page.getByRole("link", { name: "Alarms" }).click();
    await expect(page.getByTestId("alarms-empty")).toBeVisible({ timeout: 20_000 });
    await override(page, TEMP, 30.5, "alarm test");
    const row = page.locator("tr.alarm-row").first();
    await expect(row).toContainText("Zone 1 too warm: 30.5 °C, above 28.0 °C", { timeout: 20_000 });
    await expect(row).toContainText("Active, not acknowledged");
    await expect(row.locator(".prio")).toHaveClass(/prio-critical/);
    await both(page, "20-console-alarm-active");
    await row.getByRole("button", { name: "Acknowledge…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Note").fill("window open in room 1, closing it");
    await dialog.getByRole("button", { name: "Acknowledge" }).click();
    await expect(row).toContainText("Active, acknowledged", { timeout: 10_000 });
    await expect(row).toContainText("window open in room 1, closing it");
    await expect(row).toContainText("by admin");
    await both(page, "21-console-alarm-acked");
    // back in range: the record closes and shows in the history
    await override(page, TEMP, null, "alarm test done");
    await expect(page.getByTestId("alarms-empty")).toBeVisible({ timeout: 20_000 });
    await page.getByRole("button", { name: "History" }).click();
    await expect(page.locator("tr.alarm-row").first()).toContainText("Back to normal");
  });

  await test.step("two zone temperatures and the damper command on one chart, an axis per unit", async () => {
    for (const [v1, v2] of [[23.0, 21.5], [24.5, 22.5], [22.0, 23.5]] as const) {
      await override(page, TEMP, v1, "trend test");
      await override(page, TEMP2, v2, "trend test");
      await page.waitForTimeout(1500); // spread the samples out a little on the time axis
    }
    await override(page, TEMP, null, "trend test done");
    await override(page, TEMP2, null, "trend test done");
    await page.goto(`${stack.url}/#/trends`);
    const search = page.getByLabel("Search points");
    for (const name of ["ZN-T", "ZN2-T", "DMPR"]) {
      await search.fill(name);
      await page.getByRole("list", { name: "Matching points" }).getByText(new RegExp(`: ${name} \\[`)).click();
    }
    await search.fill("");
    await page.getByRole("button", { name: "Last 5 min" }).click();
    await expect(page.getByTestId("trend-chart").locator("canvas")).toBeVisible({ timeout: 20_000 });
    const legend = page.getByTestId("trend-chart").locator(".chart-legend");
    await expect(legend).toContainText("ZN-T (2001) [°C]");
    await expect(legend).toContainText("ZN2-T (2001) [°C]");
    await expect(legend).toContainText("DMPR (2001) [%]");
    await expect(legend.locator(".no-data")).toHaveCount(0);
    await expect(page.getByText("Loading…")).toHaveCount(0); // the 5 min range, not the 15 min one
    await both(page, "22-console-trends");
    // drag across the chart: the zoomed range is fetched again at a finer resolution
    const over = page.getByTestId("trend-chart").locator(".u-over");
    const box = (await over.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.999, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect(page.getByRole("button", { name: "Back to live" })).toBeVisible();
    await expect(page.getByTestId("trend-range")).not.toContainText("live");
    await expect(page.getByText("Loading…")).toHaveCount(0);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height + 200); // no cursor line in the picture
    await both(page, "22-console-trends-zoomed");
    await page.getByRole("button", { name: "Back to live" }).click();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    expect((await download).suggestedFilename()).toBe("trend.csv");
  });

  await test.step("live values on the canvas and wires carry units", async () => {
    await page.goto(`${stack.url}/#/p/${project.id}`);
    await expect(page.getByTestId("live-t-value")).toContainText("°C", { timeout: 20_000 });
    await expect(page.getByTestId("live-pid-out")).toContainText("%");
    await expect(page.getByTestId("live-hi-active")).toHaveText(/^(on|off)$/);
    await expect(page.locator(".react-flow__edge-text").first()).toContainText(/°C|%/);
    await both(page, "24-console-canvas-units");
  });

  await test.step("stop and start the engine from the status bar, confirming each", async () => {
    const bar = page.getByTestId("engine-status");
    await expect(bar).toContainText("Engine running");
    await bar.getByRole("button", { name: "Stop" }).click();
    await expect(page.getByRole("alertdialog")).toContainText("relinquished");
    await shot(page, "23-console-engine-stop-confirm");
    await page.getByRole("button", { name: "Stop engine" }).click();
    await expect(bar).toContainText("Engine stopped", { timeout: 10_000 });
    await expect(bar.getByRole("button", { name: "Start" })).toBeVisible();
    await both(page, "23-console-engine-stopped");
    await bar.getByRole("button", { name: "Start" }).click();
    await page.getByRole("button", { name: "Start engine" }).click();
    await expect(bar).toContainText("Engine running", { timeout: 10_000 });
    // every page has the same status bar, with the engine's state and its controls
    await page.getByRole("link", { name: "Alarms" }).click();
    await expect(bar).toContainText(/Engine running · Zone alarms, version \S+/);
    await expect(bar.getByRole("button", { name: "Stop" })).toBeVisible();
  });

  await test.step("opening and leaving the Devices page 20 times leaks no subscription", async () => {
    const before = await subscriptions(page);
    for (let i = 0; i < 20; i++) {
      await page.getByRole("link", { name: "Devices" }).click();
      await page.getByRole("button", { name: "2001" }).click();
      await expect(page.getByTestId(`value-${TEMP}`)).toContainText("°C", { timeout: 20_000 });
      await page.getByRole("link", { name: "Projects" }).click();
    }
    await expect.poll(() => subscriptions(page), { timeout: 15_000 }).toBe(before);
  });

  expect(errors).toEqual([]);
});
