/**
 * The SPA against the whole system (simulated device, IoT service, engine, Designer):
 * pick a discovered point, see a validation error appear and disappear, simulate and see
 * a plot, deploy through the diff dialog, see live values on the canvas, deploy again,
 * roll back, and override a point by hand on the devices page and release it; then a deployed
 * composite instance shows its inner blocks' live values when opened.
 */
import { type Page } from "@playwright/test";
import { expect, shot, test, watchConsole } from "./fixtures";
import { signIn as signInAs, useStack } from "./sharedStack";

const TEMP = "2001/analog-value,1";
const DAMPER = "2001/analog-output,1";
const FLOW = { id: "zone", name: "Zone", schedule: { periodMs: 500, phaseMs: 0 }, triggerOnChange: [] };

const stack = useStack();

async function signIn(page: Page): Promise<string> {
  return signInAs(page, stack);
}

async function deployVersion(page: Page, expectInDiff: string): Promise<string> {
  await page.getByRole("button", { name: "Deploy…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("diff")).toContainText(expectInDiff, { timeout: 20_000 });
  const title = (await dialog.getByRole("heading").textContent()) ?? "";
  const version = /Deploy (\S+)\?/.exec(title)?.[1] ?? "";
  expect(version).not.toBe("");
  return version;
}

test("design, simulate, deploy, watch live values, roll back, override by hand", async ({ page }) => {
  const errors = watchConsole(page);
  const csrf = await signIn(page);
  const created = await page.request.post(`${stack.url}/api/projects`, {
    headers: { "x-csrf-token": csrf },
    data: {
      name: "Zone 1",
      content: {
        graph: {
          flows: [FLOW],
          nodes: [
            { id: "t", type: "io.point-input", flow: "zone", params: { staleAfterS: 5 } },
            { id: "sp", type: "io.constant", flow: "zone", params: { value: 21.0 } },
            { id: "pid", type: "control.pid", flow: "zone", params: { kp: 10.0, tiS: 0, action: "direct" } },
            { id: "damper", type: "io.point-output", flow: "zone", params: { point: DAMPER, priority: 10 } },
          ],
          edges: [
            { source: "t", sourcePort: "value", target: "pid", targetPort: "pv" },
            { source: "sp", sourcePort: "value", target: "pid", targetPort: "setpoint" },
            { source: "pid", sourcePort: "out", target: "damper", targetPort: "value" },
          ],
          layout: { t: { x: 0, y: 0 }, sp: { x: 0, y: 160 }, pid: { x: 280, y: 40 }, damper: { x: 560, y: 40 } },
        },
      },
    },
  });
  expect(created.status()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  await page.goto(`${stack.url}/#/p/${id}`);
  let first = "";
  await expect(page.getByTestId("engine-status")).toContainText("Engine");

  await test.step("a validation error (no point) appears, then goes away once a discovered point is picked", async () => {
    await page.getByRole("tab", { name: /Problems/ }).click();
    await expect(page.getByTestId("issues")).toContainText("t");
    await expect(page.getByTestId("node-t")).toHaveClass(/has-issues/);
    await page.getByTestId("issues").getByRole("button").first().click();
    // The point picker lists the points the IoT service discovered.
    await expect(page.locator(`#point-list option[value^="${TEMP}"]`)).toHaveCount(1);
    await page.locator("#param-point").fill(TEMP);
    await page.locator("#param-point").press("Enter");
    await page.getByRole("tab", { name: /Problems/ }).click();
    await expect(page.getByTestId("valid")).toBeVisible({ timeout: 15_000 });
    await shot(page, "10-stack-valid");
  });

  await test.step("simulate and see a plot", async () => {
    await page.getByRole("tab", { name: "Simulate" }).click();
    await page.getByRole("button", { name: "Run simulation" }).click();
    await expect(page.getByTestId("plot")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("plot").locator("canvas")).toBeVisible();
    // every series drawn has data (a series without any is marked "no data")
    await expect(page.getByTestId("plot").locator(".legend-item")).not.toHaveCount(0);
    await expect(page.getByTestId("plot").locator(".no-data")).toHaveCount(0);
    await shot(page, "11-stack-simulation");
  });

  await test.step("deploy through the diff dialog", async () => {
    first = await deployVersion(page, `${DAMPER}/present-value`);
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByTestId("diff")).toContainText("nothing deployed");
    await shot(page, "12-stack-deploy-dialog");
    await dialog.getByRole("button", { name: /^Deploy / }).click();
    await expect(page.getByRole("region", { name: "Deployments" })).toContainText("active", { timeout: 20_000 });
  });

  await test.step("live values on the canvas", async () => {
    await page.reload();
    await expect(page.getByTestId("engine-status")).toContainText(`version ${first}`, { timeout: 20_000 });
    await expect(page.getByTestId("live-pid-out")).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("live-sp-value")).toContainText("21");
    await shot(page, "13-stack-live");
  });

  await test.step("deploy a second version, then roll back to the first", async () => {
    await page.locator('.react-flow__node[data-id="sp"]').click();
    await page.locator("#param-value").fill("22");
    await page.locator("#param-value").press("Enter");
    await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
    await expect(page.getByTestId("save-state")).not.toContainText("revision 2");
    const second = await deployVersion(page, "sp: value 21 → 22");
    // The server compares any two bundles: here the new one with the first, by name.
    const api = `${stack.url}/api/projects/${id}/bundles`;
    const chosen = await (await page.request.get(`${api}/${second}/diff?against=${first}`)).json();
    expect([chosen.base, chosen.baseVersion]).toEqual(["chosen", first]);
    expect(chosen.blocksChanged).toEqual([{ node: "sp", fields: ["params.value"], params: { value: { before: 21, after: 22 } } }]);
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: /^Deploy / }).click();
    const deployments = page.getByRole("region", { name: "Deployments" });
    await expect(deployments.getByRole("cell", { name: `${second} deploy`, exact: true })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("live-sp-value")).toContainText("22", { timeout: 20_000 });
    page.once("dialog", (d) => void d.accept());
    await deployments.getByRole("button", { name: `Roll back to ${first}` }).first().click();
    await expect(deployments.getByText("rollback")).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("live-sp-value")).toContainText("21", { timeout: 20_000 });
    await shot(page, "14-stack-rolled-back");
  });

  await test.step("devices: live values, manual write with a reason, release", async () => {
    await page.getByRole("link", { name: "Devices" }).click();
    await page.getByRole("button", { name: "2001" }).click();
    const cell = page.getByTestId(`value-${TEMP}/present-value`);
    await expect(cell).toContainText("24", { timeout: 20_000 });
    const form = page.getByRole("form", { name: "Manual write to ZN-T" });
    await form.getByLabel("Value").fill("19.5");
    await form.getByLabel("Reason").fill("commissioning");
    await form.getByRole("button", { name: "Write" }).click();
    await expect(page.getByRole("status")).toContainText("Wrote 19.5", { timeout: 10_000 });
    await expect(cell).toContainText("19.5", { timeout: 20_000 });
    await shot(page, "15-stack-devices");
    await form.getByRole("button", { name: "Release" }).click();
    await expect(page.getByRole("status")).toContainText("Released priority 8", { timeout: 10_000 });
  });

  expect(errors).toEqual([]);
});

test("live values inside a deployed composite instance", async ({ page }) => {
  const errors = watchConsole(page);
  const csrf = await signIn(page);
  const NUM = { type: "number", unit: null, labels: null };
  const created = await page.request.post(`${stack.url}/api/projects`, {
    headers: { "x-csrf-token": csrf },
    data: {
      name: "Zone composite",
      content: {
        graph: {
          flows: [FLOW],
          composites: [
            {
              name: "zone",
              version: 1,
              title: "Zone loop",
              inputs: [{ name: "temp", type: NUM, targets: [{ node: "pid", port: "pv" }] }],
              outputs: [{ name: "damper", type: NUM, source: { node: "pid", port: "out" } }],
              nodes: [
                { id: "sp", type: "io.constant", params: { value: 21.0 }, label: "Setpoint" },
                { id: "pid", type: "control.pid", params: { kp: 10.0, tiS: 0, action: "direct" }, label: "Cooling loop" },
              ],
              edges: [{ source: "sp", sourcePort: "value", target: "pid", targetPort: "setpoint" }],
              layout: { sp: { x: 0, y: 120 }, pid: { x: 260, y: 0 } },
            },
          ],
          nodes: [
            { id: "t", type: "io.point-input", flow: "zone", params: { point: TEMP, staleAfterS: 5 } },
            { id: "zone_1", type: "composite:zone@1", flow: "zone", params: {}, label: "Zone 1" },
            { id: "damper", type: "io.point-output", flow: "zone", params: { point: DAMPER, priority: 10 } },
          ],
          edges: [
            { source: "t", sourcePort: "value", target: "zone_1", targetPort: "temp" },
            { source: "zone_1", sourcePort: "damper", target: "damper", targetPort: "value" },
          ],
          layout: { t: { x: 0, y: 0 }, zone_1: { x: 280, y: 0 }, damper: { x: 560, y: 0 } },
        },
      },
    },
  });
  expect(created.status()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  // Deployed through the API: the first test's project runs on the engine, and replacing another
  // project's program takes a confirmation this test is not about.
  const headers = { "x-csrf-token": csrf };
  // A version of its own: the engine keeps the versions it ran, and the first test's were 0.1.x.
  const built = await page.request.post(`${stack.url}/api/projects/${id}/bundles`, { headers, data: { version: "7.0.0" } });
  expect(built.status(), await built.text()).toBe(201);
  const version = ((await built.json()) as { version: string }).version;
  const deployed = await page.request.post(`${stack.url}/api/projects/${id}/deployments`, {
    headers,
    data: { version, allowOtherProject: true, note: "composite live values" },
  });
  expect(deployed.ok(), await deployed.text()).toBe(true);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${stack.url}/#/p/${id}`);
  // On the flow the instance shows its output, which the engine computes as zone_1__pid.
  await expect(page.getByTestId("live-zone_1-damper")).toContainText("%", { timeout: 20_000 });

  await page.getByTestId("node-zone_1").dblclick();
  const inside = page.getByTestId("composite-inside");
  await expect(inside.getByTestId("live-sp-value")).toContainText("21", { timeout: 20_000 });
  await expect(inside.getByTestId("live-pid-out")).toContainText("%");
  await expect(inside.getByTestId("pin-output:damper")).toContainText("%");
  // The input shows what the flow's wire brings in: the zone temperature, in its point's unit.
  await expect(inside.getByTestId("pin-input:temp")).toContainText("°C");
  await shot(page, "composite-inside-live-1440");
  await page.getByRole("navigation", { name: "Composite path" }).getByRole("button", { name: "Zone" }).click();
  await expect(inside).toHaveCount(0);
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.getByTestId("node-zone_1").click();
  await page.getByRole("tab", { name: "Parameters" }).click();
  await page.getByRole("button", { name: "Open composite" }).click();
  await expect(inside.getByTestId("live-pid-out")).toContainText("%");
  await shot(page, "composite-inside-live-1024");
  await page.keyboard.press("Escape");
  await expect(inside).toHaveCount(0);
  expect(errors).toEqual([]);
});
