/**
 * Two projects both at 0.1.0 on one engine (every new project starts there): rolling the first
 * back while the second runs asks a question naming both projects, and only a yes replaces it.
 */
import { type Page } from "@playwright/test";
import { expect, shot, test } from "./fixtures";
import { signIn as signInAs, useStack } from "./sharedStack";

const TEMP = "2001/analog-value,1";
const DAMPER = "2001/analog-output,1";
const FLOW = { id: "zone", name: "Zone", schedule: { periodMs: 500, phaseMs: 0 }, triggerOnChange: [] };
const GRAPH = {
  flows: [FLOW],
  nodes: [
    { id: "t", type: "io.point-input", flow: "zone", params: { point: TEMP, staleAfterS: 5 } },
    { id: "sp", type: "io.constant", flow: "zone", params: { value: 21.0 } },
    { id: "pid", type: "control.pid", flow: "zone", params: { kp: 10.0, tiS: 0, action: "direct" } },
    { id: "damper", type: "io.point-output", flow: "zone", params: { point: DAMPER, priority: 10 } },
  ],
  edges: [
    { source: "t", sourcePort: "value", target: "pid", targetPort: "pv" },
    { source: "sp", sourcePort: "value", target: "pid", targetPort: "setpoint" },
    { source: "pid", sourcePort: "out", target: "damper", targetPort: "value" },
  ],
  layout: { t: { x: 0, y: 0 }, sp: { x: 0, y: 160 }, pid: { x: 280, y: 0 }, damper: { x: 560, y: 0 } },
};

const stack = useStack();

async function signIn(page: Page): Promise<Record<string, string>> {
  return { "x-csrf-token": await signInAs(page, stack) };
}

async function deployed(page: Page, headers: Record<string, string>, name: string): Promise<string> {
  const created = await page.request.post(`${stack.url}/api/projects`, {
    headers,
    data: { name, content: { graph: GRAPH } },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  const built = await page.request.post(`${stack.url}/api/projects/${id}/bundles`, { headers, data: {} });
  expect(built.status(), await built.text()).toBe(201);
  expect(((await built.json()) as { version: string }).version).toBe("0.1.0");
  const done = await page.request.post(`${stack.url}/api/projects/${id}/deployments`, {
    headers,
    data: { version: "0.1.0", allowOtherProject: true },
  });
  expect(done.ok(), await done.text()).toBe(true);
  return id;
}

test("rolling back to another project's 0.1.0 names both projects and needs a yes", async ({ page }) => {
  const headers = await signIn(page);
  const hospital = await deployed(page, headers, "Hospital");
  await deployed(page, headers, "School");
  const engineProject = async () =>
    ((await (await page.request.get(`${stack.url}/api/engine/status`)).json()) as { projectName: string }).projectName;
  expect(await engineProject()).toBe("School");

  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${stack.url}/#/p/${hospital}`);
  await page.getByRole("tab", { name: "Deployments" }).click();
  const deployments = page.getByRole("region", { name: "Deployments" });
  const button = deployments.getByRole("button", { name: "Roll back to 0.1.0" });
  await shot(page, "rollback-other-project-1440");

  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await button.click();
  await expect.poll(() => asked).toContain('The engine runs project "School" version 0.1.0');
  expect(asked).toContain('project "Hospital" version 0.1.0');
  expect(await engineProject()).toBe("School");

  page.once("dialog", (d) => void d.accept());
  await button.click();
  await expect(deployments.getByText("rollback")).toBeVisible({ timeout: 20_000 });
  await expect.poll(engineProject, { timeout: 20_000 }).toBe("Hospital");
  await page.setViewportSize({ width: 1024, height: 700 });
  await shot(page, "rollback-other-project-1024");
});
