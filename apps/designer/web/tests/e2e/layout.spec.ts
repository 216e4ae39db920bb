/**
 * Readable flows in Chromium: "Arrange" (ELK, layered, left to right) untangles a flow whose
 * blocks were all dropped on one spot, with no two blocks overlapping (checked from the DOM);
 * Ctrl-F finds a block by name; a flow can be reordered and deleted; a selection becomes a
 * composite block, whose inside opens on the canvas (breadcrumbs and Escape go back), and a
 * problem inside a composite names its path and opens the instance at that block.
 */
import { blockBoxes, overlaps, underControls } from "./canvas";
import { expect, seedProject, shot, signIn, test, url, watchConsole } from "./fixtures";

const FLOW = { id: "zones", name: "Zones", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] };

/** Four zone loops (sensor, setpoint, PID, limiter, damper command): 20 blocks, all at one spot. */
function zonesGraph() {
  const nodes: unknown[] = [];
  const edges: unknown[] = [];
  const layout: Record<string, { x: number; y: number }> = {};
  const wire = (source: string, sourcePort: string, target: string, targetPort: string) =>
    edges.push({ source, sourcePort, target, targetPort });
  for (let z = 1; z <= 4; z++) {
    const dev = 2100 + z;
    nodes.push(
      { id: `z${z}_temp`, type: "io.point-input", flow: "zones", params: { point: `${dev}/analog-input,1` }, label: `Zone ${z} temperature` },
      { id: `z${z}_sp`, type: "io.constant", flow: "zones", params: { value: 22.5 }, label: `Zone ${z} setpoint` },
      { id: `z${z}_pid`, type: "control.pid", flow: "zones", params: { kp: 10, action: "direct" }, label: `Zone ${z} cooling loop` },
      { id: `z${z}_lim`, type: "math.limiter", flow: "zones", params: { min: 20, max: 100 } },
      { id: `z${z}_damper`, type: "io.point-output", flow: "zones", params: { point: `${dev}/analog-output,1`, priority: 10 }, label: `Zone ${z} damper` },
    );
    wire(`z${z}_temp`, "value", `z${z}_pid`, "pv");
    wire(`z${z}_sp`, "value", `z${z}_pid`, "setpoint");
    wire(`z${z}_pid`, "out", `z${z}_lim`, "in");
    wire(`z${z}_lim`, "out", `z${z}_damper`, "value");
    for (const part of ["temp", "sp", "pid", "lim", "damper"]) layout[`z${z}_${part}`] = { x: 200 + z * 4, y: 150 + z * 4 };
  }
  return { flows: [FLOW], nodes, edges, layout };
}

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  test(`arrange untangles a flow, and Ctrl-F finds a block (${viewport.width}x${viewport.height})`, async ({ page }) => {
    const errors = watchConsole(page);
    await page.setViewportSize(viewport);
    await signIn(page);
    const id = await seedProject(page, `layout ${viewport.width}`, zonesGraph());
    await page.goto(`${url()}/#/p/${id}`);
    await expect(page.getByTestId("save-state")).toContainText("Saved");
    await expect(page.locator(".react-flow__node")).toHaveCount(20);
    expect(overlaps(await blockBoxes(page)).length).toBeGreaterThan(0); // the mess we start from

    await page.getByRole("button", { name: "Arrange" }).click();
    await expect(page.getByText("Arranged 20 blocks.")).toBeVisible();
    await page.waitForTimeout(400); // the fit animation
    const boxes = await blockBoxes(page);
    expect(overlaps(boxes)).toEqual([]);
    expect(await underControls(page, boxes)).toEqual([]); // Arrange fits as "Fit" does
    // Left to right: each sensor left of its loop, each loop left of its damper command.
    const at = new Map(boxes.map((b) => [b.id, b]));
    for (let z = 1; z <= 4; z++) {
      expect(at.get(`z${z}_temp`)!.x).toBeLessThan(at.get(`z${z}_pid`)!.x);
      expect(at.get(`z${z}_pid`)!.x).toBeLessThan(at.get(`z${z}_damper`)!.x);
    }
    await shot(page, `layout-arranged-${viewport.width}`);

    await page.getByTestId("canvas").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Control+f");
    const find = page.getByRole("textbox", { name: "Find a block" });
    await expect(find).toBeFocused();
    await find.fill("zone 3 cool");
    await expect(page.getByRole("option")).toHaveCount(1);
    await shot(page, `layout-find-${viewport.width}`);
    await find.press("Enter");
    await expect(page.locator('.react-flow__node[data-id="z3_pid"]')).toHaveClass(/selected/);
    await expect(page.getByTestId("node-z3_pid")).toBeInViewport();
    await expect(find).toHaveCount(0);
    expect(errors).toEqual([]);
  });
}

test("a flow can be reordered and deleted", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "flows", zonesGraph());
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await page.getByRole("button", { name: "Add a flow" }).click();
  const tabs = page.getByRole("tablist", { name: "Flows" }).getByRole("tab");
  await expect(tabs).toHaveCount(2);
  await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
  const added = (await tabs.nth(1).textContent()) ?? "";
  await page.getByRole("button", { name: "Move flow left" }).click();
  await expect(tabs.nth(0)).toHaveText(added);
  await expect(page.getByRole("button", { name: "Move flow left" })).toBeDisabled();
  await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete flow" }).click();
  await expect(tabs).toHaveCount(1);
  await expect(tabs.nth(0)).toHaveText("Zones");
  await expect(page.getByRole("button", { name: "Delete flow" })).toBeDisabled();
  await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
  await shot(page, "layout-flows");
  expect(errors).toEqual([]);
});

test("a selection becomes one composite block, typed like any block", async ({ page }) => {
  const errors = watchConsole(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  const id = await seedProject(page, "composite", zonesGraph());
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await page.getByRole("button", { name: "Arrange" }).click();
  await expect(page.getByText("Arranged 20 blocks.")).toBeVisible();
  await page.waitForTimeout(400);
  for (const node of ["z1_sp", "z1_pid", "z1_lim"]) {
    await page.getByTestId(`node-${node}`).click({ modifiers: ["Shift"] });
  }
  await expect(page.locator(".react-flow__node.selected")).toHaveCount(3);
  page.once("dialog", (d) => void d.accept("zone_loop"));
  await page.getByRole("button", { name: "Make composite" }).click();
  await expect(page.getByText("Made composite “zone_loop” of 3 blocks.")).toBeVisible();
  await expect(page.locator(".react-flow__node")).toHaveCount(18);
  const instance = page.getByTestId("node-zone_loop_1");
  await expect(instance).toBeVisible();
  // Its handles are the composite's declared ports, wired where the blocks were.
  await expect(page.locator('.react-flow__node[data-id="zone_loop_1"] .react-flow__handle.target[data-handleid="z1_temp_value"]')).toHaveCount(1);
  await expect(page.locator('.react-flow__node[data-id="zone_loop_1"] .react-flow__handle.source[data-handleid="z1_lim_out"]')).toHaveCount(1);
  await page.getByRole("button", { name: "Validate" }).click();
  await expect(page.getByRole("tab", { name: "Problems (0)" })).toBeVisible();
  await instance.scrollIntoViewIfNeeded();
  await shot(page, "composite-from-selection");

  // Double-click opens its inside: the three blocks, and the composite's own ports at the edges.
  await instance.dblclick();
  const inside = page.getByTestId("composite-inside");
  await expect(inside.locator(".react-flow__node-block")).toHaveCount(3);
  await expect(inside.getByTestId("node-z1_pid")).toBeVisible();
  await expect(inside.getByTestId("pin-input:z1_temp_value")).toBeVisible();
  await expect(inside.getByTestId("pin-output:z1_lim_out")).toBeVisible();
  const crumbs = page.getByRole("navigation", { name: "Composite path" });
  await expect(crumbs).toHaveText(/Zones\s*›?\s*zone loop/);
  await inside.getByTestId("node-z1_pid").click();
  await expect(page.getByRole("region", { name: "Inside the composite" })).toContainText("kp10");
  await shot(page, "composite-inside-1440");
  await crumbs.getByRole("button", { name: "Zones" }).click();
  await expect(inside).toHaveCount(0);
  await expect(page.locator(".react-flow__node")).toHaveCount(18);

  // The panel's button opens it too; Escape comes back.
  await instance.click();
  await page.getByRole("button", { name: "Open composite" }).click();
  await expect(inside.locator(".react-flow__node-block")).toHaveCount(3);
  await page.keyboard.press("Escape");
  await expect(inside).toHaveCount(0);

  // An edit after "Make composite" saves the composite with the flow (no orphaned instance).
  const box = (await page.getByTestId("node-z2_pid").boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + 60, box.y + 50, { steps: 4 });
  await page.mouse.up();
  await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
  await page.getByRole("button", { name: "Validate" }).click();
  await expect(page.getByRole("tab", { name: "Problems (0)" })).toBeVisible();
  expect(errors).toEqual([]);
});

const NUM = { type: "number", unit: null, labels: null };
/** One zone loop drawn as a composite whose limiter is set wrong (min above max). */
function brokenCompositeGraph() {
  return {
    flows: [FLOW],
    composites: [
      {
        name: "zone",
        version: 1,
        title: "Zone loop",
        inputs: [{ name: "temp", type: NUM, targets: [{ node: "pid", port: "pv" }] }],
        outputs: [{ name: "damper", type: NUM, source: { node: "lim", port: "out" } }],
        nodes: [
          { id: "sp", type: "io.constant", params: { value: 22.5 }, label: "Setpoint" },
          { id: "pid", type: "control.pid", params: { kp: 10, action: "direct" }, label: "Cooling loop" },
          { id: "lim", type: "math.limiter", params: { min: 80, max: 20 }, label: "Damper limits" },
        ],
        edges: [
          { source: "sp", sourcePort: "value", target: "pid", targetPort: "setpoint" },
          { source: "pid", sourcePort: "out", target: "lim", targetPort: "in" },
        ],
        layout: { sp: { x: 0, y: 120 }, pid: { x: 260, y: 0 }, lim: { x: 520, y: 0 } },
      },
    ],
    nodes: [
      { id: "temp", type: "io.point-input", flow: "zones", params: { point: "2101/analog-input,1" }, label: "Zone 3 temperature" },
      { id: "zone_3", type: "composite:zone@1", flow: "zones", params: {}, label: "Zone 3" },
      { id: "damper", type: "io.point-output", flow: "zones", params: { point: "2101/analog-output,1", priority: 10 } },
    ],
    edges: [
      { source: "temp", sourcePort: "value", target: "zone_3", targetPort: "temp" },
      { source: "zone_3", sourcePort: "damper", target: "damper", targetPort: "value" },
    ],
    layout: { temp: { x: 0, y: 0 }, zone_3: { x: 280, y: 0 }, damper: { x: 560, y: 0 } },
  };
}

test("a problem inside a composite names its path, opens the instance at that block, and is fixed in the definition (1024x700)", async ({ page }) => {
  const errors = watchConsole(page);
  await page.setViewportSize({ width: 1024, height: 700 });
  await signIn(page);
  const id = await seedProject(page, "composite problem", brokenCompositeGraph());
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await page.getByRole("tab", { name: /Problems/ }).click();
  const problem = page.getByTestId("issues").getByRole("button", { name: /zone_3 > lim/ });
  await expect(problem).toBeVisible();
  await expect(page.getByTestId("node-zone_3")).toHaveClass(/has-issues/);
  await problem.click();
  const inside = page.getByTestId("composite-inside");
  await expect(page.getByRole("navigation", { name: "Composite path" })).toContainText("Zone 3");
  await expect(inside.locator('.react-flow__node[data-id="lim"] .block-node')).toHaveClass(/selected/);
  await expect(inside.getByTestId("node-lim")).toHaveClass(/has-issues/);
  await expect(inside.getByTestId("node-pid")).not.toHaveClass(/has-issues/);
  await page.getByRole("tab", { name: "Parameters" }).click();
  await expect(page.getByRole("region", { name: "Inside the composite" })).toContainText("min80");
  await shot(page, "composite-inside-problem-1024");

  // "Edit definition": fixing the limiter changes the shared definition, as version 2 that the
  // instance moves to; the problem goes away for every instance.
  await page.getByRole("button", { name: "Edit definition" }).click();
  await page.locator("#param-min").fill("20");
  await page.locator("#param-min").press("Tab");
  await page.locator("#param-max").fill("80");
  await page.locator("#param-max").press("Tab");
  await expect(page.getByText("Composite zone is now version 2; its 1 instance uses it.")).toBeVisible();
  await expect(page.getByTestId("inside-version")).toContainText("version 2");
  await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
  await page.getByRole("button", { name: "Validate" }).click();
  await expect(page.getByRole("tab", { name: "Problems (0)" })).toBeVisible();
  await expect(inside.getByTestId("node-lim")).not.toHaveClass(/has-issues/);
  await page.getByRole("tab", { name: "Parameters" }).click();
  await inside.getByTestId("node-lim").click();
  await shot(page, "composite-edit-definition-1024");
  await page.getByRole("button", { name: "Done" }).click();
  await page.keyboard.press("Escape");
  await expect(inside).toHaveCount(0);
  await expect(page.locator(".react-flow__node")).toHaveCount(3);
  const saved = await (await page.request.get(`${url()}/api/projects/${id}`)).json();
  expect(saved.content.graph.nodes.find((n: { id: string }) => n.id === "zone_3").type).toBe("composite:zone@2");
  expect(saved.content.graph.composites.map((d: { version: number }) => d.version)).toEqual([2]);
  expect(errors).toEqual([]);
});
