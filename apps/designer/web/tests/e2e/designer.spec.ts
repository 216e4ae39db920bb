/**
 * The Designer SPA in Chromium against the real Designer server: sign in, projects,
 * dragging from the palette, a refused connection, validation, and a 409 between tabs.
 */
import { type Locator, type Page } from "@playwright/test";
import { expect, seedProject, shot, signIn, test, url, watchConsole } from "./fixtures";

const FLOW = { id: "main", name: "Main", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] };

async function openProject(page: Page, id: string): Promise<void> {
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
}

/** Drag with the mouse from one handle to another (xyflow listens to pointer events). */
async function wire(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error("handle not on screen");
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
}

const handle = (page: Page, node: string, kind: "source" | "target", port: string) =>
  page.locator(`.react-flow__node[data-id="${node}"] .react-flow__handle.${kind}[data-handleid="${port}"]`);

test("sign in, create a project, and sign out", async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto(url());
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await shot(page, "01-login");
  await signIn(page);
  await page.getByLabel("New project").fill("AHU-1");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("tab", { name: "Main" })).toBeVisible();
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await shot(page, "03-editor-empty");
  await page.getByRole("link", { name: "Projects" }).click();
  await expect(page.getByRole("link", { name: "AHU-1" })).toBeVisible();
  await shot(page, "02-projects");
  await page.getByRole("link", { name: "Devices" }).click();
  await expect(page.getByRole("heading", { name: "Devices" })).toBeVisible();
  await expect(page.getByRole("status")).toBeVisible();
  await shot(page, "07-devices");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("drag a block from the palette; its parameters form follows its JSON Schema", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "drag", { nodes: [], edges: [], flows: [FLOW], layout: {} });
  await openProject(page, id);
  await page.getByLabel("Search blocks").fill("pid");
  const item = page.locator('.palette-item[data-type="control.pid"]');
  await expect(item).toBeVisible();
  await item.dragTo(page.getByTestId("canvas"), { targetPosition: { x: 300, y: 200 } });
  await expect(page.getByTestId("node-pid1")).toBeVisible();
  // The new node is selected: its parameter panel shows units, limits and an enum select.
  await expect(page.getByLabel(/Ti s/)).toBeVisible();
  await expect(page.locator("label[for=param-tiS]")).toContainText("[s]");
  await expect(page.locator("select#param-action")).toBeVisible();
  await expect(page.getByTestId("save-state")).toContainText("revision 2", { timeout: 10_000 });
  // The server has it.
  const saved = await (await page.request.get(`${url()}/api/projects/${id}`)).json();
  expect(saved.content.graph.nodes.map((n: { type: string }) => n.type)).toEqual(["control.pid"]);
  await shot(page, "04-editor-drag");
  expect(errors).toEqual([]);
});

test("a connection between incompatible ports is refused; a compatible one is made", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "wires", {
    flows: [FLOW],
    nodes: [
      { id: "k", type: "io.constant", flow: "main", params: { valueType: "number", value: 1 } },
      { id: "inv", type: "logic.not", flow: "main", params: {} },
      { id: "sum", type: "math.add", flow: "main", params: {} },
    ],
    edges: [],
    layout: { k: { x: 0, y: 0 }, inv: { x: 320, y: -120 }, sum: { x: 320, y: 120 } },
  });
  await openProject(page, id);
  // number -> bool: refused while dragging, and no wire is made.
  await wire(page, handle(page, "k", "source", "value"), handle(page, "inv", "target", "in"));
  await expect(page.getByTestId("refused")).toContainText("number cannot drive bool");
  await shot(page, "05-refused-connection");
  await page.mouse.up();
  await expect(page.locator(".react-flow__edge")).toHaveCount(0);
  // number -> number: made and saved.
  await wire(page, handle(page, "k", "source", "value"), handle(page, "sum", "target", "in1"));
  await page.mouse.up();
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);
  await expect(page.getByTestId("save-state")).toContainText("revision 2", { timeout: 10_000 });
  const saved = await (await page.request.get(`${url()}/api/projects/${id}`)).json();
  expect(saved.content.graph.edges).toEqual([{ source: "k", sourcePort: "value", target: "sum", targetPort: "in1" }]);
  expect(errors).toEqual([]);
});

test("validation errors are listed, marked on nodes, select the node, and go away when fixed", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "validation", {
    flows: [FLOW],
    nodes: [{ id: "inv", type: "logic.not", flow: "main", params: {} }],
    edges: [],
    layout: { inv: { x: 200, y: 100 } },
  });
  await openProject(page, id);
  await page.getByRole("tab", { name: /Problems/ }).click();
  const issue = page.getByTestId("issues").getByRole("button").first();
  await expect(issue).toContainText("inv");
  await expect(page.getByTestId("node-inv")).toHaveClass(/has-issues/);
  await shot(page, "06-validation");
  await issue.click();
  await expect(page.getByRole("region", { name: "Parameters of inv" })).toBeVisible();
  // Fix it: drive the input from a bool constant (added with the keyboard) ...
  await page.getByLabel("Search blocks").fill("constant");
  await page.locator('.palette-item[data-type="io.constant"]').press("Enter");
  await expect(page.getByTestId("node-constant1")).toBeVisible();
  await page.locator("select#param-valueType").selectOption("bool");
  await page.locator("#param-value").fill("true");
  await page.locator("#param-value").press("Enter");
  await page.getByRole("button", { name: "Fit", exact: true }).click();
  await wire(page, handle(page, "constant1", "source", "value"), handle(page, "inv", "target", "in"));
  await page.mouse.up();
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);
  await page.getByRole("tab", { name: /Problems/ }).click();
  await expect(page.getByTestId("valid")).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId("node-inv")).not.toHaveClass(/has-issues/);
  expect(errors).toEqual([]);
});

test("a save from a stale tab gets a 409 and a conflict dialog, never a silent overwrite", async ({ page, context }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "conflict", { nodes: [], edges: [], flows: [FLOW], layout: {} });
  await openProject(page, id);
  const other = await context.newPage();
  await openProject(other, id);
  // The other tab saves first (revision 2).
  await other.getByLabel("Search blocks").fill("not");
  await other.locator('.palette-item[data-type="logic.not"]').press("Enter");
  await expect(other.getByTestId("save-state")).toContainText("revision 2", { timeout: 10_000 });
  // This tab, still on revision 1, tries to save: 409.
  await page.getByLabel("Search blocks").fill("abs");
  await page.locator('.palette-item[data-type="math.abs"]').press("Enter");
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toBeVisible({ timeout: 10_000 });
  await expect(dialog.getByTestId("conflict")).toContainText("Nothing was overwritten");
  await expect(dialog.getByTestId("conflict")).toContainText("now at revision 2");
  await shot(page, "08-conflict");
  const server = await (await page.request.get(`${url()}/api/projects/${id}`)).json();
  expect(server.revision).toBe(2);
  expect(server.content.graph.nodes.map((n: { type: string }) => n.type)).toEqual(["logic.not"]);
  // Taking theirs reloads the server's version.
  await dialog.getByRole("button", { name: /Reload their version/ }).click();
  await expect(page.getByTestId("node-not1")).toBeVisible();
  await expect(page.getByTestId("save-state")).toContainText("revision 2");
  expect(errors).toEqual([]);
});

test("delete key, undo and redo, copy and paste", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "keys", {
    flows: [FLOW],
    nodes: [{ id: "inv", type: "logic.not", flow: "main", params: {} }],
    edges: [],
    layout: { inv: { x: 200, y: 100 } },
  });
  await openProject(page, id);
  const node = page.locator('.react-flow__node[data-id="inv"]');
  await node.click();
  await page.keyboard.press("Delete");
  await expect(page.getByTestId("node-inv")).toHaveCount(0);
  await page.waitForTimeout(400);
  await page.keyboard.press("Control+z");
  await expect(page.getByTestId("node-inv")).toBeVisible();
  await page.keyboard.press("Control+Shift+z");
  await expect(page.getByTestId("node-inv")).toHaveCount(0);
  await page.keyboard.press("Control+z");
  await expect(page.getByTestId("node-inv")).toBeVisible();
  await node.click();
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  await expect(page.getByTestId("node-not1")).toBeVisible();
  // what the server holds, not only the label: the delete, undo and paste may each be saved
  const savedNodes = async () =>
    ((await (await page.request.get(`${url()}/api/projects/${id}`)).json()) as { content: { graph: { nodes: { id: string }[] } } })
      .content.graph.nodes.map((n) => n.id)
      .sort();
  await expect.poll(savedNodes, { timeout: 10_000 }).toEqual(["inv", "not1"]);
  await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
  expect(errors).toEqual([]);
});

test("a weekly schedule is edited on a grid", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "schedule", {
    flows: [FLOW],
    nodes: [{ id: "occ", type: "schedule.weekly", flow: "main", params: { timezone: "UTC" } }],
    edges: [],
    layout: { occ: { x: 200, y: 100 } },
  });
  await openProject(page, id);
  await page.locator('.react-flow__node[data-id="occ"]').click();
  const grid = page.getByRole("grid", { name: /Weekly schedule/ });
  await expect(grid).toBeVisible();
  await grid.getByRole("gridcell", { name: "monday 07:00 off" }).click();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Space");
  await expect(grid.getByRole("gridcell", { name: "monday 07:30 on" })).toBeFocused();
  await shot(page, "09-week-grid");
  await expect
    .poll(async () => {
      const saved = await (await page.request.get(`${url()}/api/projects/${id}`)).json();
      return saved.content.graph.nodes[0].params.week?.monday;
    }, { timeout: 10_000 })
    .toEqual([
      { time: "07:00", value: true },
      { time: "08:00", value: false },
    ]);
  expect(errors).toEqual([]);
});

test("without an engine the deploy dialog compares with the previous bundle and asks first", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "deploy-offline", {
    flows: [FLOW],
    nodes: [{ id: "k", type: "io.constant", flow: "main", params: { value: 1 } }],
    edges: [],
    layout: { k: { x: 200, y: 100 } },
  });
  await openProject(page, id);
  await page.getByRole("button", { name: "Deploy…" }).click();
  let dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("active version is not known");
  await expect(dialog.getByTestId("diff")).toContainText("From nothing (no earlier bundle)");
  await expect(dialog.getByTestId("diff")).toContainText("Blocks addedk");
  await expect(dialog.getByRole("heading")).toHaveText("Deploy 0.1.0?");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  // The cancelled 0.1.0 is gone (its number free again); one built outside the dialog stays.
  const csrf = (await page.context().cookies()).find((c) => c.name === "bms_csrf")?.value ?? "";
  const built = await page.request.post(`${url()}/api/projects/${id}/bundles`, { headers: { "x-csrf-token": csrf }, data: {} });
  expect(((await built.json()) as { version: string }).version).toBe("0.1.0");
  await page.locator('.react-flow__node[data-id="k"]').click();
  await page.locator("#param-value").fill("2");
  await page.locator("#param-value").press("Enter");
  await expect(page.getByTestId("save-state")).toContainText("revision 2", { timeout: 10_000 });
  await page.getByRole("button", { name: "Deploy…" }).click();
  dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("diff")).toContainText("From the previous bundle 0.1.0 to 0.1.1");
  await expect(dialog.getByTestId("diff")).toContainText("k: value 1 → 2");
  await shot(page, "12-deploy-dialog-offline");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect
    .poll(async () => ((await (await page.request.get(`${url()}/api/projects/${id}/bundles`)).json()) as { bundles: { version: string }[] }).bundles.map((b) => b.version))
    .toEqual(["0.1.0"]);
  expect(errors).toEqual([]);
});

test("flows as tabs: add one, rename it, set its scan period; all saved", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "flows", { nodes: [], edges: [], flows: [FLOW], layout: {} });
  await openProject(page, id);
  await page.getByRole("button", { name: "Add a flow" }).click();
  await expect(page.getByRole("tab", { name: "Flow 1" })).toHaveAttribute("aria-selected", "true");
  page.once("dialog", (d) => void d.accept("Night purge"));
  await page.getByRole("tab", { name: "Flow 1" }).dblclick();
  await expect(page.getByRole("tab", { name: "Night purge" })).toBeVisible();
  await page.getByLabel("Scan every").fill("5000");
  await page.getByLabel("Scan every").press("Tab");
  await expect
    .poll(async () => (await (await page.request.get(`${url()}/api/projects/${id}`)).json()).content.graph.flows, { timeout: 10_000 })
    .toEqual([FLOW, { id: "flow1", name: "Night purge", schedule: { periodMs: 5000, phaseMs: 0 }, triggerOnChange: [] }]);
  expect(errors).toEqual([]);
});

test("projects: rename, copy, export, import, delete", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  await seedProject(page, "Plant room", {
    nodes: [{ id: "k", type: "io.constant", flow: "main", params: { value: 1 } }],
    edges: [],
    flows: [FLOW],
    layout: {},
  });
  await page.reload();
  page.once("dialog", (d) => void d.accept("Plant room A"));
  await page.getByRole("button", { name: "Rename Plant room" }).click();
  await expect(page.getByRole("link", { name: "Plant room A", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Copy Plant room A" }).click();
  await expect(page.getByRole("link", { name: "Plant room A (copy)" })).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export Plant room A", exact: true }).click();
  const zip = await (await download).path();
  expect(zip).toBeTruthy();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete Plant room A (copy)" }).click();
  await expect(page.getByRole("link", { name: "Plant room A (copy)" })).toHaveCount(0);
  await page.getByLabel("Import a project zip").setInputFiles(zip!);
  await expect(page.getByRole("link", { name: "Plant room A" })).toHaveCount(2);
  await shot(page, "02-projects-after-import");
  expect(errors).toEqual([]);
});
