/** Editor defects found trying it as a new user would, each pinned by a browser test. */
import { expect, seedProject, shot, signIn, test, url, watchConsole } from "./fixtures";

const FLOW = { id: "main", name: "Main", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] };

test("a palette search with no result says so; the scan period cannot go under the engine's 100 ms", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "defects", { nodes: [], edges: [], flows: [FLOW], layout: {} });
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await page.getByLabel("Search blocks").fill("zzzz-no-such-block");
  await expect(page.getByRole("complementary", { name: "Block palette" }).getByRole("status")).toContainText(
    "No block matches “zzzz-no-such-block”",
  );
  await page.getByLabel("Search blocks").fill("limit");
  await expect(page.getByRole("complementary", { name: "Block palette" }).getByRole("status")).toHaveCount(0);
  await expect(page.getByLabel("Scan every")).toHaveAttribute("min", "100");
  await page.setViewportSize({ width: 1024, height: 700 });
  await expect(page.locator(".react-flow__minimap")).toBeHidden();
  await shot(page, "30-editor-1024");
  expect(errors).toEqual([]);
});

test("the first drop stays at 100 %; blocks added by keyboard land in free space", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "canvas", { nodes: [], edges: [], flows: [FLOW], layout: {} });
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await page.getByLabel("Search blocks").fill("pid");
  const item = page.locator('.palette-item[data-type="control.pid"]');
  await item.dragTo(page.getByTestId("canvas"), { targetPosition: { x: 300, y: 200 } });
  await expect(page.getByTestId("node-pid1")).toBeVisible();
  await page.waitForTimeout(500); // let a fit-view animation, if any, run its course
  const scale = await page.locator(".react-flow__viewport").evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a);
  expect(scale).toBeLessThanOrEqual(1);
  // two more by keyboard: none on top of another
  await item.focus();
  await item.press("Enter");
  await item.focus();
  await item.press("Enter");
  const boxes = await Promise.all(["pid1", "pid2", "pid3"].map(async (n) => (await page.getByTestId(`node-${n}`).boundingBox())!));
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i]!, boxes[j]!];
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      expect(overlap, `blocks ${i + 1} and ${j + 1} overlap`).toBe(false);
    }
  await shot(page, "31-editor-keyboard-added");
  expect(errors).toEqual([]);
});

test("the side panel can be widened by dragging its edge and collapsed", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "side", { nodes: [], edges: [], flows: [FLOW], layout: {} });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  const side = page.getByRole("complementary", { name: "Details" });
  const before = (await side.boundingBox())!.width;
  const handle = page.getByRole("separator", { name: "Resize the side panel" });
  const h = (await handle.boundingBox())!;
  await page.mouse.move(h.x + h.width / 2, h.y + 100);
  await page.mouse.down();
  await page.mouse.move(h.x - 120, h.y + 100, { steps: 5 });
  await page.mouse.up();
  expect((await side.boundingBox())!.width).toBeGreaterThan(before + 100);
  await page.getByRole("button", { name: "Hide the side panel" }).click();
  expect((await side.boundingBox())!.width).toBeLessThan(40);
  await expect(page.getByRole("tab", { name: "Parameters" })).toBeHidden();
  await shot(page, "32-editor-side-collapsed-1024");
  await page.getByRole("button", { name: "Show the side panel" }).click();
  await expect(page.getByRole("tab", { name: "Parameters" })).toBeVisible();
  expect(errors).toEqual([]);
});
