/**
 * Operator overrides in the browser, against the real stack: a write with a reason and a
 * duration shows in Overrides and in the audit log, is released there, and 150 % on a
 * 0-100 % output is refused with the device's limit named next to the form.
 */
import { expect, shot, test } from "./fixtures";
import { useStack } from "./sharedStack";
import { PASSWORD } from "./stack";

const stack = useStack();

for (const [width, height] of [[1440, 900], [1024, 700]] as const) {
  test(`override with a duration, audit, release, refusal at ${width}x${height}`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await page.goto(stack.url);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();

    await page.getByRole("link", { name: "Devices" }).click();
    await page.getByRole("button", { name: "2001" }).click();
    const form = page.getByRole("form", { name: "Manual write to ZN-T" });
    await form.getByLabel("Value").fill("19.5");
    await form.getByLabel("Reason").fill(`comfort complaint ${width}`);
    await form.getByLabel("Duration in minutes").fill("30");
    await form.getByRole("button", { name: "Write" }).click();
    await expect(page.getByRole("status")).toContainText("Wrote 19.5", { timeout: 10_000 });

    await page.getByRole("link", { name: "Overrides" }).click();
    // The Devices page's rows name the override's reason too (its mark): wait for the page to change.
    await expect(page.getByRole("heading", { name: "Overrides", exact: true })).toBeVisible();
    const row = page.getByRole("row", { name: new RegExp(`comfort complaint ${width}`) });
    await expect(row).toContainText("designer:admin");
    await expect(row.getByTestId("remaining")).toContainText(/29 min|30 min/);
    await shot(page, `20-overrides-${width}`);

    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByLabel("Operator").fill("admin");
    await expect(page.getByRole("cell", { name: `comfort complaint ${width}` }).first()).toBeVisible();
    // The point by device and object name, the value with its unit.
    const entry = page.getByRole("row", { name: new RegExp(`comfort complaint ${width}`) }).first();
    await expect(entry).toContainText("zone-1 · ZN-T", { timeout: 10_000 });
    await expect(entry).toContainText("19.5 °C");
    await page.getByLabel("Device").selectOption({ label: "zone-1 (2001)" });
    await expect(entry).toBeVisible();
    await page.getByLabel("Point").fill("zone-1 · DMPR");
    await expect(page.getByRole("cell", { name: `comfort complaint ${width}` })).toHaveCount(0, { timeout: 10_000 });
    await expect(page.getByRole("alert")).toHaveCount(0); // a real filter, not a refused request
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByLabel("Operator").fill("admin");
    await shot(page, `21-audit-${width}`);

    await page.getByRole("link", { name: "Overrides" }).click();
    await expect(page.getByRole("heading", { name: "Overrides", exact: true })).toBeVisible();
    await row.getByLabel(/Release reason/).fill("resolved");
    await row.getByRole("button", { name: "Release" }).click();
    await expect(page.getByText(/No point is overridden/)).toBeVisible({ timeout: 10_000 });

    await page.getByRole("link", { name: "Devices" }).click();
    await page.getByRole("button", { name: "2001" }).click();
    const valve = page.getByRole("form", { name: "Manual write to DMPR" });
    await valve.getByLabel("Value").fill("150");
    await valve.getByLabel("Reason").fill("test the limit");
    await valve.getByRole("button", { name: "Write" }).click();
    await expect(valve.getByRole("alert")).toContainText("150 % is above the point's maximum 100 %", { timeout: 10_000 });
    await expect(valve.getByLabel("Value")).toHaveAttribute("aria-invalid", "true");
    await shot(page, `22-refused-${width}`);
  });
}

test("an override is marked in the device list and on the canvas, and its holder shows in the priority array", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(stack.url);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();

  await page.getByRole("link", { name: "Devices" }).click();
  await page.getByRole("button", { name: "2001" }).click();
  const zone = page.locator("tr", { has: page.getByRole("form", { name: "Manual write to ZN-T" }) });
  await expect(zone.getByTestId("override-mark")).toHaveCount(0);
  const form = zone.getByRole("form", { name: "Manual write to ZN-T" });
  await form.getByLabel("Value").fill("20.5");
  await form.getByLabel("Reason").fill("tenant asked for warmer");
  await form.getByLabel("Duration in minutes").fill("45");
  await form.getByRole("button", { name: "Write" }).click();
  await expect(page.getByRole("status")).toContainText("Wrote 20.5", { timeout: 10_000 });

  // The mark in the list, saying who holds it and until when.
  const mark = zone.getByTestId("override-mark");
  await expect(mark).toBeVisible({ timeout: 10_000 });
  await expect(mark).toHaveAttribute("title", /20\.5 °C at priority 8 by designer:admin until .*tenant asked for warmer/);

  // The priority array: slot 8 held by the operator, in control.
  await zone.getByText("Priority array").click();
  const slot = zone.getByTestId("slot-8");
  await expect(slot).toContainText("operator override (admin)", { timeout: 10_000 });
  await expect(slot).toContainText("in control");
  await expect(slot).toContainText("20.5 °C");
  await expect(zone.locator(".pa-summary")).toContainText("relinquish default");
  await shot(page, "23-priority-array-1440");
  await page.setViewportSize({ width: 1024, height: 700 });
  await zone.scrollIntoViewIfNeeded();
  await shot(page, "23-priority-array-1024");
  await page.setViewportSize({ width: 1440, height: 900 });

  // The Overrides page names the point by device and object, with its unit and a ticking countdown.
  await page.getByRole("link", { name: "Overrides" }).click();
  await expect(page.getByRole("heading", { name: "Overrides", exact: true })).toBeVisible();
  const row = page.getByRole("row", { name: /tenant asked for warmer/ });
  await expect(row).toContainText("zone-1 · ZN-T");
  await expect(row).toContainText("20.5 °C");
  const first = await row.getByTestId("remaining").textContent();
  await expect(row.getByTestId("remaining")).not.toHaveText(first ?? "", { timeout: 5_000 });

  // On the canvas: a point input block reading the overridden point carries the mark.
  const csrf = (await page.context().cookies()).find((c) => c.name === "bms_csrf")?.value ?? "";
  const created = await page.request.post(`${stack.url}/api/projects`, {
    headers: { "x-csrf-token": csrf },
    data: {
      name: "Override marks",
      content: {
        graph: {
          flows: [{ id: "zone", name: "Zone", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] }],
          nodes: [
            { id: "t", type: "io.point-input", flow: "zone", params: { point: "2001/analog-value,1" }, label: "Zone temperature" },
            { id: "t2", type: "io.point-input", flow: "zone", params: { point: "2001/analog-value,2" }, label: "Zone 2 temperature" },
            { id: "sp", type: "io.constant", flow: "zone", params: { value: 23.0 } },
            { id: "out2", type: "io.point-output", flow: "zone", params: { point: "2001/analog-value,2", priority: 10 }, label: "Zone 2 command" },
          ],
          edges: [{ source: "sp", sourcePort: "value", target: "out2", targetPort: "value" }],
          layout: { t: { x: 0, y: 0 }, t2: { x: 0, y: 160 }, sp: { x: 280, y: 160 }, out2: { x: 520, y: 160 } },
        },
      },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await page.goto(`${stack.url}/#/p/${id}`);
  const node = page.getByTestId("node-t");
  await expect(node.getByTestId("override-mark")).toHaveAttribute("title", /by designer:admin/, { timeout: 10_000 });
  await expect(page.getByTestId("node-t2").getByTestId("override-mark")).toHaveCount(0);
  await shot(page, "24-canvas-override-1440");
  await page.setViewportSize({ width: 1024, height: 700 });
  await expect(node.getByTestId("override-mark")).toBeVisible();
  await shot(page, "24-canvas-override-1024");
  await page.setViewportSize({ width: 1440, height: 900 });

  // Deployed, the engine holds ZN2-T at priority 10: its priority array names the engine's version.
  const bundle = await page.request.post(`${stack.url}/api/projects/${id}/bundles`, { headers: { "x-csrf-token": csrf }, data: {} });
  expect(bundle.status(), await bundle.text()).toBe(201);
  const { version } = (await bundle.json()) as { version: string };
  const deployed = await page.request.post(`${stack.url}/api/projects/${id}/deployments`, { headers: { "x-csrf-token": csrf }, data: { version } });
  expect(deployed.ok(), await deployed.text()).toBe(true);
  await page.getByRole("link", { name: "Devices" }).click();
  await page.getByRole("button", { name: "2001" }).click();
  const zone2 = page.locator("tr", { has: page.getByRole("form", { name: "Manual write to ZN2-T" }) });
  await expect(zone2.getByTestId("value-2001/analog-value,2/present-value")).toContainText("23 °C", { timeout: 20_000 });
  await zone2.getByText("Priority array").click();
  await expect(zone2.getByTestId("slot-10")).toContainText(`engine (v${version} of Override marks)`, { timeout: 10_000 });
  await expect(zone2.getByTestId("slot-10")).toContainText("in control");
  await shot(page, "26-priority-array-engine-1440");
  await zone2.getByText("Priority array").click();

  // Released from the Devices page: the mark goes, the slot is empty.
  await zone.getByRole("form", { name: "Manual write to ZN-T" }).getByLabel("Reason").fill("done");
  await zone.getByRole("button", { name: "Release" }).click();
  await expect(page.getByRole("status")).toContainText("Released priority 8", { timeout: 10_000 });
  await expect(zone.getByTestId("override-mark")).toHaveCount(0, { timeout: 10_000 });
  await zone.getByText("Priority array").click();
  await expect(zone.getByTestId("slot-8")).toHaveCount(0, { timeout: 10_000 });
});
