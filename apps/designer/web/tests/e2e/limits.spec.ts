/**
 * Limits in the browser, against the real stack (simulated device, IoT service, engine):
 * a point output's limits are edited on its panel, refused field by field in plain words
 * (the device's own 0-100 % range, minimum above maximum), shown in the point table and in
 * the deploy diff; deploying over another project asks for the project's name and shows
 * both projects; cancelling a deploy gives its version number back; a block parameter out of
 * its range is answered next to its field with its unit.
 */
import { type Page } from "@playwright/test";
import { expect, shot, test } from "./fixtures";
import { signIn as signInAs, useStack } from "./sharedStack";

const DAMPER = "2001/analog-output,1";
const FLOW = { id: "zone", name: "Zone", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] };
const GRAPH = {
  flows: [FLOW],
  nodes: [
    { id: "sp", type: "io.parameter", flow: "zone", params: { value: 21.0, min: 15.0, max: 30.0, unit: "degC" } },
    { id: "damper", type: "io.point-output", flow: "zone", params: { point: DAMPER, priority: 12 } },
  ],
  edges: [{ source: "sp", sourcePort: "out", target: "damper", targetPort: "value" }],
  layout: { sp: { x: 0, y: 40 }, damper: { x: 320, y: 40 } },
};

const stack = useStack();

async function signIn(page: Page): Promise<string> {
  return signInAs(page, stack);
}

async function createProject(page: Page, csrf: string, name: string): Promise<string> {
  const r = await page.request.post(`${stack.url}/api/projects`, { headers: { "x-csrf-token": csrf }, data: { name, content: { graph: GRAPH } } });
  expect(r.status(), await r.text()).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

test("limits on the panel and in the point table, in the deploy diff; another project needs its name", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const csrf = await signIn(page);
  const headers = { "x-csrf-token": csrf };

  // The engine runs project "Hospital" 1.0.0 (the engine keeps one record per version number,
  // whatever the project: School's 0.1.0 must not be a number Hospital used).
  const hospital = await createProject(page, csrf, "Hospital");
  const built = await page.request.post(`${stack.url}/api/projects/${hospital}/bundles`, { headers, data: { version: "1.0.0" } });
  expect(built.status(), await built.text()).toBe(201);
  const deployed = await page.request.post(`${stack.url}/api/projects/${hospital}/deployments`, { headers, data: { version: "1.0.0" } });
  expect(((await deployed.json()) as { outcome: string }).outcome).toBe("active");

  const school = await createProject(page, csrf, "School");
  await page.goto(`${stack.url}/#/p/${school}`);
  await page.getByTestId("node-damper").click();
  const limits = page.getByRole("form", { name: /Limits of 2001\/analog-output,1/ });
  await expect(limits).toBeVisible({ timeout: 15_000 });
  await expect(limits).toContainText("device range 0 to 100 %");
  await expect(limits.getByText("Maximum [%]")).toBeVisible();

  await test.step("a limit beyond the device's own range is refused on its field, in plain words", async () => {
    await limits.getByLabel("Maximum").fill("150");
    await limits.getByRole("button", { name: "Save limits" }).click();
    const field = limits.locator(".field", { has: page.locator("#limit-max") });
    await expect(field.locator(".error")).toHaveText("must be at most 100 %");
    await expect(limits.getByLabel("Maximum")).toHaveAttribute("aria-invalid", "true");
    await expect(limits).not.toContainText("Value error");
  });

  await test.step("a minimum above the maximum is refused on the minimum", async () => {
    await limits.getByLabel("Minimum").fill("90");
    await limits.getByLabel("Maximum").fill("80");
    await limits.getByRole("button", { name: "Save limits" }).click();
    const field = limits.locator(".field", { has: page.locator("#limit-min") });
    await expect(field.locator(".error")).toHaveText("minimum must be below maximum");
    await expect(limits.locator(".field", { has: page.locator("#limit-max") }).locator(".error")).toHaveCount(0);
    await shot(page, "30-limits-error-1440");
  });

  await test.step("valid limits with a fallback policy are saved", async () => {
    await limits.getByLabel("Minimum").fill("5");
    await limits.getByLabel("When the value is bad").selectOption("fallback");
    await limits.getByLabel("Fallback value").fill("20");
    await limits.getByRole("button", { name: "Save limits" }).click();
    await expect(limits.getByText("Saved")).toBeVisible();
    await expect(limits.locator(".error")).toHaveCount(0);
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot(page, "31-limits-panel-1024");
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await test.step("the point table lists the point with its limits", async () => {
    await page.getByRole("button", { name: "Point limits" }).click();
    const dialog = page.getByRole("dialog", { name: "Point limits" });
    const row = dialog.locator(`tr[data-point="${DAMPER}/present-value"]`);
    await expect(row).toContainText("by damper");
    await expect(row.getByLabel(`Maximum of ${DAMPER}/present-value`)).toHaveValue("80");
    await expect(row.getByLabel(`Degraded policy of ${DAMPER}/present-value`)).toHaveValue("fallback");
    await row.getByLabel(`Minimum of ${DAMPER}/present-value`).fill("-10");
    await row.getByRole("button", { name: "Save" }).click();
    await expect(row.locator("td.invalid .error")).toHaveText("must be at least 0 %");
    await shot(page, "32-point-table-1440");
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot(page, "33-point-table-1024");
    await page.setViewportSize({ width: 1440, height: 900 });
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  await test.step("deploying over Hospital shows both projects and the limits; cancel frees the version", async () => {
    await page.getByRole("button", { name: "Deploy…" }).click();
    const dialog = page.getByRole("dialog", { name: "Deploy 0.1.0?" });
    const guard = dialog.getByTestId("other-project");
    await expect(guard).toContainText(`Hospital (id ${hospital}), version 1.0.0`, { timeout: 20_000 });
    await expect(guard).toContainText(`School (id ${school}), version 0.1.0`);
    await expect(dialog.getByTestId("diff")).toContainText(`${DAMPER}/present-value: degraded hold → fallback, fallback unset → 20, max unset → 80, min unset → 5`);
    await expect(dialog.getByTestId("diff")).toContainText("From Hospital's active version 1.0.0 to 0.1.0.");
    await expect(dialog.getByRole("button", { name: "Deploy 0.1.0" })).toBeDisabled();
    await shot(page, "34-deploy-other-project-1440");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    const bundles = await page.request.get(`${stack.url}/api/projects/${school}/bundles`);
    expect(((await bundles.json()) as { bundles: unknown[] }).bundles).toEqual([]);
  });

  await test.step("typing the project's name deploys it, as 0.1.0 again", async () => {
    await page.getByRole("button", { name: "Deploy…" }).click();
    const dialog = page.getByRole("dialog", { name: "Deploy 0.1.0?" });
    await dialog.getByLabel(/Type School to confirm/).fill("Schoo");
    await expect(dialog.getByRole("button", { name: "Deploy 0.1.0" })).toBeDisabled();
    await dialog.getByLabel(/Type School to confirm/).fill("School");
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot(page, "35-deploy-other-project-1024");
    await dialog.getByRole("button", { name: "Deploy 0.1.0" }).click();
    await expect(page.getByRole("region", { name: "Deployments" })).toContainText("active", { timeout: 20_000 });
    const status = await (await page.request.get(`${stack.url}/api/engine/status`)).json();
    expect([status.projectName, status.version]).toEqual(["School", "0.1.0"]);
  });

  await test.step("a parameter beyond its block's maximum is answered next to its field, with its unit", async () => {
    await page.getByTestId("node-sp").click();
    await page.getByRole("tab", { name: "Parameters" }).click();
    await page.locator("#param-value").fill("40");
    await page.locator("#param-value").press("Enter");
    const field = page.locator(".field", { has: page.locator("#param-value") });
    await expect(field.locator(".error")).toHaveText("must be at most 30 °C", { timeout: 15_000 });
    await expect(page.getByRole("region", { name: "Parameters of sp" })).not.toContainText("Value error");
    await shot(page, "36-param-error-1024");
  });
});
