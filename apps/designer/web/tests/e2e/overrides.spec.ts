/**
 * Operator overrides in the browser, against the real stack: a write with a reason and a
 * duration shows in Overrides and in the audit log, is released there, and 150 % on a
 * 0-100 % output is refused with the device's limit named next to the form.
 */
import { expect, shot, test } from "./fixtures";
import { PASSWORD, type Stack, haveStack, startStack } from "./stack";

let stack: Stack;

test.describe.configure({ mode: "serial", timeout: 180_000 });
test.skip(!haveStack(), "the repo's .venv has no designer, iot-supervisor or headless-engine: run uv sync");

test.beforeAll(async () => {
  test.setTimeout(120_000);
  stack = await startStack();
});
test.afterAll(async () => {
  await stack?.stop();
});

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
    const row = page.getByRole("row", { name: new RegExp(`comfort complaint ${width}`) });
    await expect(row).toContainText("designer:admin");
    await expect(row.getByTestId("remaining")).toContainText(/29 min|30 min/);
    await shot(page, `20-overrides-${width}`);

    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByLabel("Operator").fill("admin");
    await expect(page.getByRole("cell", { name: `comfort complaint ${width}` }).first()).toBeVisible();
    await shot(page, `21-audit-${width}`);

    await page.getByRole("link", { name: "Overrides" }).click();
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
