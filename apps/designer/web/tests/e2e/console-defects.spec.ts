/**
 * Issue 15's editor defects, each in the browser against the real Designer: problems name a
 * flow by its tab label; "Unsaved changes" clears when undo returns to the saved graph (the
 * page's clock is Playwright's, so the 250 ms undo settle and the 700 ms autosave are stepped,
 * not raced); a deleted project is listed and restored.
 */
import { expect, seedProject, shot, signIn, test, url, watchConsole } from "./fixtures";

const flow = (id: string, name: string) => ({ id, name, schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] });

test("problems name the flow by its tab label, and open it", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  const id = await seedProject(page, "two flows", {
    flows: [flow("main", "Air handler"), flow("flow_2", "Zone 1")],
    nodes: [
      { id: "k", type: "io.constant", flow: "main", params: { value: 1.0 } },
      { id: "pid", type: "control.pid", flow: "flow_2", params: {} },
    ],
    edges: [],
    layout: { k: { x: 0, y: 0 }, pid: { x: 0, y: 0 } },
  });
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await page.getByRole("button", { name: "Validate" }).click();
  const problem = page.getByTestId("issues").locator("li").filter({ hasText: "pid" }).first();
  await expect(problem.getByTestId("issue-flow")).toHaveText("Zone 1");
  await expect(page.getByTestId("issues")).not.toContainText("flow_2");
  await shot(page, "40-problems-flow-label");
  await problem.getByRole("button").click();
  await expect(page.getByRole("tab", { name: "Zone 1" })).toHaveAttribute("aria-selected", "true");
  expect(errors).toEqual([]);
});

test("'Unsaved changes' clears when undo returns to the saved graph, and comes back on redo", async ({ page }) => {
  const errors = watchConsole(page);
  await page.clock.install();
  await signIn(page);
  const id = await seedProject(page, "undo", {
    flows: [flow("main", "Main")],
    nodes: [{ id: "k", type: "io.constant", flow: "main", params: { value: 1.0 } }],
    edges: [],
    layout: { k: { x: 0, y: 0 } },
  });
  await page.goto(`${url()}/#/p/${id}`);
  const state = page.getByTestId("save-state");
  await expect(state).toHaveText("Saved (revision 1)");
  await page.clock.pauseAt(Date.now() + 60_000);
  await page.getByTestId("node-k").click();
  await page.keyboard.press("Delete");
  await expect(state).toHaveText("Unsaved changes");
  await page.clock.runFor(300); // the change settles into the undo history; autosave is not due
  await page.keyboard.press("Control+z");
  await expect(page.getByTestId("node-k")).toBeVisible();
  await expect(state).toHaveText("Saved (revision 1)");
  await page.clock.runFor(2_000); // nothing to save: still revision 1
  await expect(state).toHaveText("Saved (revision 1)");
  await page.keyboard.press("Control+y");
  await expect(state).toHaveText("Unsaved changes");
  await page.clock.runFor(1_000);
  await expect(state).toHaveText("Saved (revision 2)");
  expect(errors).toEqual([]);
});

test("a deleted project is listed under the projects and can be restored", async ({ page }) => {
  const errors = watchConsole(page);
  await signIn(page);
  await seedProject(page, "Chiller plant", { flows: [flow("main", "Main")], nodes: [], edges: [], layout: {} });
  await page.reload();
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    void d.accept();
  });
  await page.getByRole("button", { name: "Delete Chiller plant" }).click();
  await expect(page.getByRole("link", { name: "Chiller plant" })).toHaveCount(0);
  expect(asked).toContain("from where it can be restored");
  const deleted = page.getByRole("region", { name: "Deleted projects" });
  await deleted.getByRole("button", { name: /Show deleted projects/ }).click();
  await expect(deleted.getByRole("row", { name: /Chiller plant/ })).toBeVisible();
  await shot(page, "41-projects-deleted");
  await deleted.getByRole("button", { name: "Restore Chiller plant" }).click();
  await expect(page.getByRole("link", { name: "Chiller plant" })).toBeVisible();
  expect(errors).toEqual([]);
});
