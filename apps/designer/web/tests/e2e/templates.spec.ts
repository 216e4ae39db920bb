/**
 * Equipment templates in the browser against the whole system, the simulator running the 20-VAV
 * building (examples/vav-20-building.yaml) plus VAV-21, whose damper command object is missing:
 * import the zone composite from a library file, bind it by the project's tags, see the preview
 * (20 instances bound, VAV-21 reported with its damper unresolved, the diff), apply it; then tag
 * a point by hand on the Devices page so that one damper matches twice, and see the re-apply's
 * preview say so before anything changes.
 */
import { type Page } from "@playwright/test";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, shot, test, watchConsole } from "./fixtures";
import { signIn as signInAs, useStack } from "./sharedStack";
import type { SimDevice } from "./stack";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "../../../../iot-supervisor-app/examples");
const FLOW = { id: "zones", name: "Zones", schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] };

const stack = useStack({
    simulatorFile: "apps/iot-supervisor-app/examples/vav-20-building.yaml",
    adjust: (devices: SimDevice[], moveTo) => {
      const like = devices.find((d) => d.name === "VAV-01") as SimDevice;
      const broken = { ...like, instance: 3121, name: "VAV-21", address: moveTo(30),
        objects: like.objects.filter((o) => o.name !== "DamperCmd") };
      return [...devices, broken];
    },
  }, 150_000);

async function signIn(page: Page): Promise<string> {
  return signInAs(page, stack);
}

async function shotBoth(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, `${name}-1440`);
  await page.setViewportSize({ width: 1024, height: 700 });
  await shot(page, `${name}-1024`);
  await page.setViewportSize({ width: 1440, height: 900 });
}

test("apply the zone template to the 20-VAV building by tags, with its preview", async ({ page }) => {
  const errors = watchConsole(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  const csrf = await signIn(page);
  const created = await page.request.post(`${stack.url}/api/projects`, {
    headers: { "x-csrf-token": csrf },
    data: {
      name: "20-VAV building",
      content: {
        graph: {
          flows: [FLOW],
          nodes: [
            { id: "heat_sp", type: "io.parameter", flow: "zones", label: "Heating setpoint", params: { value: 21.5, min: 15, max: 30, unit: "degC" } },
            { id: "cool_sp", type: "io.parameter", flow: "zones", label: "Cooling setpoint", params: { value: 22.5, min: 15, max: 30, unit: "degC" } },
          ],
          edges: [],
          layout: { heat_sp: { x: 0, y: 0 }, cool_sp: { x: 0, y: 160 } },
        },
      },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const project = (await created.json()) as { id: string; revision: number };

  await test.step("load the building's tag file (naming rules over object names) on the Devices page", async () => {
    await page.goto(`${stack.url}/#/devices`);
    await page.getByRole("button", { name: "3103", exact: true }).click();
    const editor = page.getByRole("region", { name: "Point tags" });
    await editor.getByLabel("Project whose tags to edit").selectOption({ label: "20-VAV building" });
    await expect(editor).toContainText("(0 naming rules)");
    await expect(editor.getByRole("row", { name: /DamperCmd/ })).toBeVisible();
    await editor.getByTestId("load-tag-file").setInputFiles(join(EXAMPLES, "vav-20-tags.yaml"));
    // A loaded machine may take a while to save and read back; the count must leave zero.
    await expect(editor).toContainText(/\([1-9]\d* naming rules\)/, { timeout: 20_000 });
    await expect(editor.getByRole("row", { name: /DamperCmd/ })).toContainText("damper");
  });
  await page.goto(`${stack.url}/#/p/${project.id}`);
  await page.getByRole("button", { name: "Templates…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("This project has no composites yet")).toBeVisible();

  await test.step("import the zone composite from a library file", async () => {
    await dialog.getByTestId("import-composites").setInputFiles(join(EXAMPLES, "vav-zone-library.json"));
    await expect(dialog.getByRole("status").first()).toContainText("Imported vav_zone@1");
  });

  await test.step("bind its ports by tags and to the flow's setpoints, then preview", async () => {
    const bind = async (port: string, how: string, value: string) => {
      await dialog.getByLabel(`How ${port} is bound`).selectOption(how);
      if (how === "tags") await dialog.getByLabel(`Tags for ${port}`).fill(value);
      else await dialog.getByLabel(`Block for ${port}`).selectOption(value);
    };
    await dialog.getByLabel("Template name").fill("zone");
    await bind("temp", "tags", "zone air temp sensor");
    await bind("heat_sp", "link", "heat_sp.out");
    await bind("cool_sp", "link", "cool_sp.out");
    await bind("damper", "tags", "damper cmd");
    await bind("reheat", "tags", "reheat valve cmd");
    await dialog.getByRole("button", { name: "Preview" }).click();
    const preview = dialog.getByTestId("template-preview");
    await expect(preview.getByRole("status")).toContainText("20 of 22 devices bound", { timeout: 20_000 });
    await expect(preview.getByRole("status")).toContainText("2 not instantiated");
    // VAV-21 is reported with the one point it lacks, not skipped.
    const vav21 = preview.getByTestId("binding-VAV-21");
    await expect(vav21).toContainText("not instantiated");
    await expect(vav21.locator("td.binding-unresolved")).toHaveText("no point tagged cmd damper");
    await expect(vav21.locator("td.binding-bound")).toHaveCount(2);
    await expect(preview.locator("tr:not(.incomplete) td.binding-bound")).toHaveCount(60);
    await expect(preview.locator("summary")).toContainText("80 block(s) change");
    await expect(dialog.getByRole("button", { name: "Apply to 20 devices" })).toBeEnabled();
    await dialog.evaluate((d) => d.scrollTo(0, d.scrollHeight));
    await shotBoth(page, "templates-preview");
  });

  await test.step("apply: 20 instances, each with its own points", async () => {
    await dialog.getByRole("button", { name: "Apply to 20 devices" }).click();
    await expect(dialog.getByTestId("template-preview").getByRole("status")).toContainText("20 of 22 devices bound");
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect(page.getByText(/Applied template “zone”: 20 instances/)).toBeVisible();
    const saved = (await (await page.request.get(`${stack.url}/api/projects/${project.id}`)).json()) as {
      content: { graph: { nodes: { id: string; type: string; params: Record<string, unknown> }[] }; templates: { name: string }[] };
    };
    const instances = saved.content.graph.nodes.filter((n) => n.type === "composite:vav_zone@1");
    expect(instances).toHaveLength(20);
    expect(saved.content.templates.map((t) => t.name)).toEqual(["zone"]);
    const dampers = saved.content.graph.nodes.filter((n) => n.id.endsWith("-damper")).map((n) => n.params.point);
    expect(new Set(dampers).size).toBe(20);
    expect(saved.content.graph.nodes.some((n) => n.id.startsWith("zone_vav_21"))).toBe(false);
    await shotBoth(page, "templates-applied");
  });

  await test.step("a tag set by hand on the Devices page makes VAV-03's damper match twice", async () => {
    await page.goto(`${stack.url}/#/devices`);
    await page.getByRole("button", { name: "3103", exact: true }).click();
    const editor = page.getByRole("region", { name: "Point tags" });
    await expect(editor.getByLabel("Project whose tags to edit")).toHaveValue(project.id);
    const airflow = editor.getByRole("form", { name: "Tags of Airflow" });
    await expect(editor.getByRole("row", { name: /Airflow/ })).toContainText("discharge");
    await airflow.getByLabel("Tags set by hand on Airflow").fill("damper cmd");
    await airflow.getByRole("button", { name: "Save" }).click();
    await expect(airflow.getByLabel("Tags set by hand on Airflow")).toHaveValue("cmd damper", { timeout: 20_000 });
    await editor.evaluate((e) => e.scrollIntoView({ block: "start" }));
    await shotBoth(page, "templates-device-tags");
  });

  await test.step("re-applying previews the diff first: VAV-03's instance would go, nothing else", async () => {
    await page.goto(`${stack.url}/#/p/${project.id}`);
    await page.getByRole("button", { name: "Templates…" }).click();
    await expect(dialog.getByLabel("Template name")).toHaveValue("zone");
    await dialog.getByRole("button", { name: "Preview" }).click();
    const preview = dialog.getByTestId("template-preview");
    await expect(preview.getByRole("status")).toContainText("19 of 22 devices bound", { timeout: 20_000 });
    await expect(preview.getByRole("status")).toContainText("1 ambiguous");
    await expect(preview.getByTestId("binding-VAV-03").locator("td.binding-ambiguous")).toContainText("2 points match");
    await preview.locator("summary").click();
    await expect(preview.locator("li.change-removed")).toHaveCount(4);
    await expect(preview.locator("li.change-added")).toHaveCount(0);
    await expect(preview.locator("li.change-removed").first()).toContainText("zone_vav_03");
    await shotBoth(page, "templates-reapply-diff");
    await dialog.getByRole("button", { name: "Close" }).click();
  });
  expect(errors).toEqual([]);
});
