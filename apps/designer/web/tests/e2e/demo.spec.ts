/**
 * The start command's whole system, seen in the browser: `bms-stack up` (simulated demo
 * building, IoT service, engine, Designer with the demo project deployed), then the
 * demo project open in the editor with live values. Its screenshot is the README's
 * (copied from test-results/demo-editor.png to docs/images/designer-demo.png). Then the demo's own
 * comfort alarm: zone 1's temperature held at 35 °C through the simulator's /simulator/holds on
 * the IoT service (the value reaches the engine over BACnet), raised on the Alarms page after
 * the alarm's 30 s on-delay, acknowledged with a note.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { blockBoxes, overlaps, underControls } from "./canvas";
import { expect, shot, test, watchConsole } from "./fixtures";
import { freePort, movedDemoArgs } from "./stack";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../../../../..");
const STACK = join(REPO, ".venv", "bin", "bms-stack");
const PASSWORD = "demo-e2e-password";

let launcher: ChildProcess | undefined;
let url = "";
let iotUrl = "";
let dataDir = "";
const ZONE1_TEMP = "2101/analog-input,1/present-value";

test.describe.configure({ mode: "serial", timeout: 240_000 });
test.skip(!existsSync(STACK), "the repo's .venv has no bms-stack: run uv sync");

test.beforeAll(async () => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), "designer-ui-demo-"));
  const [designer, engine, iot] = [await freePort(), await freePort(), await freePort()];
  const log = join(dir, "stack.log");
  dataDir = join(dir, "var");
  iotUrl = `http://127.0.0.1:${iot}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BMS_")));
  launcher = spawn(
    STACK,
    ["up", "--data-dir", join(dir, "var"), "--designer-port", String(designer), "--engine-port", String(engine),
     "--iot-port", String(iot), "--admin-password", PASSWORD, "--web-dir", resolve(HERE, "../../dist"),
     ...(await movedDemoArgs(dir))],
    { cwd: REPO, env, stdio: ["ignore", openSync(log, "a"), openSync(log, "a")] },
  );
  const deadline = Date.now() + 200_000;
  while (!readFileSync(log, "utf8").includes("BMS supervisor is running")) {
    if (launcher.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the stack did not come up; see ${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  url = `http://127.0.0.1:${designer}`;
});

test.afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    launcher.kill("SIGINT");
    await new Promise((r) => launcher?.once("exit", r));
  }
});

test("the demo building runs, and its project shows live values in the editor", async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto(url);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Demo building" }).click();
  await expect(page.locator(".react-flow__node").first()).toBeVisible();
  // live values arrive from the engine through the Designer's stream: the status bar
  // counts the engine's ticks, and a few must have painted values before the picture
  await expect(page.getByText(/Engine running · Demo building, version 1\.0\.0 · Air handler: ([3-9]|\d\d+) ticks/)).toBeVisible({
    timeout: 30_000,
  });
  await expect(page.getByText("IoT link up")).toBeVisible();
  await shot(page, "demo-editor");
  expect(errors).toEqual([]);
});

test("each demo flow opens at 100 % on a 1440x900 screen, every block inside the canvas, none on another", async ({
  page,
}) => {
  const errors = watchConsole(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(url);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Demo building" }).click();
  const canvas = page.locator(".react-flow").first();
  const scale = async () =>
    page.locator(".react-flow__viewport").first().evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a);
  for (const [flow, block] of [["Air handler", "supply_air"], ["Zones", "zone_vav_4"]] as const) {
    await page.getByRole("tab", { name: flow }).click();
    await expect(page.getByTestId(`node-${block}`)).toBeVisible();
    const view = await canvas.boundingBox();
    if (!view) throw new Error("no canvas");
    await page.mouse.move(view.x + view.width - 2, view.y + 2); // no hover outline in the picture
    // the editor fits the flow it shows (never above 100 %): the flow is drawn at 100 %,
    // so it fits the canvas without a pan
    const outside = async () =>
      (await blockBoxes(page))
        .filter((b) => b.x < view.x || b.y < view.y || b.x + b.width > view.x + view.width || b.y + b.height > view.y + view.height)
        .map((b) => b.id);
    await expect.poll(outside).toEqual([]);
    await expect.poll(scale).toBeCloseTo(1, 3);
    const boxes = await blockBoxes(page);
    const left = Math.min(...boxes.map((b) => b.x));
    const top = Math.min(...boxes.map((b) => b.y));
    const size = [
      Math.max(...boxes.map((b) => b.x + b.width)) - left,
      Math.max(...boxes.map((b) => b.y + b.height)) - top,
    ].map(Math.round);
    // every output shows its live value as soon as the flow is on the canvas, not only those
    // that changed since (in a building at rest that can be many seconds)
    const outputs = await page.locator(".react-flow__node .react-flow__handle.source").count();
    expect(outputs).toBeGreaterThan(20);
    await expect(page.locator(".react-flow__node [data-testid^='live-']")).toHaveCount(outputs);
    console.log(`${flow}: ${boxes.length} blocks, ${outputs} live outputs, ${size[0]}x${size[1]} px at 100 % in a ${Math.round(view.width)}x${Math.round(view.height)} canvas`);
    await shot(page, `demo-flow-${flow.replace(" ", "-").toLowerCase()}-100`);
    expect(overlaps(boxes)).toEqual([]);
    // the canvas's own controls cover no block, nor does its map (shown only while part of
    // the flow is out of view)
    expect(await underControls(page, boxes)).toEqual([]);
    // labels are drawn at full size: readable type, not a thumbnail
    const label = await page.getByTestId(`node-${block}`).locator("strong").evaluate((el) => el.getBoundingClientRect().height);
    expect(label).toBeGreaterThan(10);
  }
  // the zones are one composite, applied to each VAV box: its instance shows the zone's ports
  await expect(page.getByTestId("node-zone_vav_1").getByText("temp", { exact: true })).toBeVisible();
  // and its outputs carry the units the zone composite declares for them
  await expect(page.getByTestId("live-zone_vav_1-damper")).toHaveText(/^\d+(\.\d+)? %$/);
  expect(errors).toEqual([]);
});

/** Hold (or, with null, release) a simulated object's value over the demo building's physics. */
async function hold(point: string, value: number | null): Promise<void> {
  const token = readFileSync(join(dataDir, "iot", "token"), "utf8").trim();
  const r = await fetch(`${iotUrl}/simulator/holds`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ point, value }),
  });
  expect(r.ok, await r.text()).toBe(true);
}

test("the demo's comfort alarm shows on the Alarms page when zone 1 runs hot, and is acknowledged", async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto(url);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await hold(ZONE1_TEMP, 35.0);
  try {
    await page.getByRole("link", { name: "Alarms" }).click();
    // by its message, not by a node id: the demo project's layout is free to change
    const row = page.locator("tr.alarm-row").filter({ hasText: /Zone 1 at 35\.0 °C/ });
    await expect(row).toContainText("Active, not acknowledged", { timeout: 90_000 }); // 30 s on-delay
    await expect(row).toContainText("comfort");
    for (const [w, h] of [[1440, 900], [1024, 700]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await shot(page, `demo-alarm-active-${w}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await row.getByRole("button", { name: "Acknowledge…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Note").fill("zone 1 sensor checked on site, reads true; blinds closed");
    await dialog.getByRole("button", { name: "Acknowledge" }).click();
    await expect(row).toContainText("Active, acknowledged", { timeout: 10_000 });
    await expect(row).toContainText("blinds closed");
    await expect(row).toContainText("by admin");
    for (const [w, h] of [[1440, 900], [1024, 700]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await shot(page, `demo-alarm-acked-${w}`);
    }
  } finally {
    await hold(ZONE1_TEMP, null);
  }
  expect(errors).toEqual([]);
});
