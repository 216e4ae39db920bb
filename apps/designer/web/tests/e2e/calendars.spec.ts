/**
 * Shared calendars in the editor, against the real Designer server: a holiday calendar made once
 * for the project, a bad range refused next to its field, used by a weekly schedule, saved with the
 * project, flagged by validation when a schedule names a calendar that is gone, and in the bundle.
 */
import { type Page } from "@playwright/test";
import { expect, seedProject, shot, signIn, test, url, watchConsole } from "./fixtures";

const FLOW = { id: "main", name: "Main", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] };
const OFFICE = { monday: [{ time: "07:00", value: true }, { time: "18:00", value: false }] };

async function both(page: Page, name: string): Promise<void> {
  await shot(page, `${name}-1440`);
  await page.setViewportSize({ width: 1024, height: 700 });
  await shot(page, `${name}-1024`);
  await page.setViewportSize({ width: 1440, height: 900 });
}

test("a holiday calendar authored once, used by a schedule, saved and carried into the bundle", async ({ page }) => {
  const errors = watchConsole(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  const id = await seedProject(page, "Office hours", {
    flows: [FLOW],
    nodes: [{ id: "occ", type: "schedule.weekly", flow: "main", label: "Office hours",
      params: { timezone: "Europe/Berlin", default: false, week: OFFICE } }],
    edges: [],
    layout: { occ: { x: 0, y: 0 } },
  });
  await page.goto(`${url()}/#/p/${id}`);
  await expect(page.getByTestId("save-state")).toContainText("Saved");

  await page.getByRole("tab", { name: "Calendars" }).click();
  const panel = page.getByRole("region", { name: "Shared calendars" });
  await expect(panel.getByText(/No calendar yet/)).toBeVisible();
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel.getByRole("alert")).toContainText("Give the calendar a name");
  await panel.getByLabel("New calendar").fill("holidays");
  await panel.getByRole("button", { name: "Create" }).click();

  const holidays = panel.getByRole("region", { name: "Calendar holidays" });
  await holidays.getByLabel("Day", { exact: true }).fill("2026-12-25");
  await holidays.getByRole("button", { name: "Add", exact: true }).click();
  await holidays.getByLabel("What to add").selectOption("range");
  await holidays.getByLabel("From", { exact: true }).fill("2026-12-31");
  await holidays.getByLabel("To", { exact: true }).fill("2026-12-28");
  await holidays.getByRole("button", { name: "Add", exact: true }).click();
  await expect(holidays.getByRole("alert")).toHaveText("The last day is before the first.");
  await expect(holidays.getByLabel("To", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await holidays.getByLabel("To", { exact: true }).fill("2027-01-01");
  await holidays.getByRole("button", { name: "Add", exact: true }).click();
  await expect(holidays.getByRole("listitem")).toHaveCount(2);
  await expect(holidays).toContainText("Not used by any schedule yet.");

  // Used by the selected schedule: its first special event follows the calendar.
  await page.getByTestId("node-occ").click();
  await page.getByRole("tab", { name: "Calendars" }).click();
  await holidays.getByRole("button", { name: "Use in Office hours" }).click();
  await expect(holidays).toContainText("Used by Office hours");
  await expect(holidays.getByRole("button", { name: "Delete calendar" })).toBeDisabled();
  await expect(page.getByTestId("save-state")).toContainText("Saved", { timeout: 10_000 });
  await both(page, "25-calendars");

  // Saved with the project: still there after a reload, and in the bundle.
  await page.reload();
  await page.getByRole("tab", { name: "Calendars" }).click();
  await expect(holidays.getByRole("listitem")).toHaveCount(2);
  const csrf = (await page.context().cookies()).find((c) => c.name === "bms_csrf")?.value ?? "";
  const built = await page.request.post(`${url()}/api/projects/${id}/bundles`, { headers: { "x-csrf-token": csrf }, data: {} });
  expect(built.status(), await built.text()).toBe(201);
  const doc = (await built.json()).document;
  expect(doc.schedules.calendars.holidays.entries).toEqual([
    { kind: "date", date: "2026-12-25" },
    { kind: "range", start: "2026-12-31", end: "2027-01-01" },
  ]);
  expect(doc.graph.nodes[0].params.specialEvents[0].when).toEqual({ kind: "calendar", calendar: "holidays" });
  expect(errors).toEqual([]);
});
