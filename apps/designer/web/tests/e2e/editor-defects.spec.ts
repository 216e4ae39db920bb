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
