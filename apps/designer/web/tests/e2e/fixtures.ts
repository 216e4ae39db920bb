/** Shared helpers: sign in, seed projects through the API, watch the console, screenshots. */
import { type BrowserContext, type Page, expect, test as base } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

export const SHOTS = resolve(HERE, "../../test-results");
mkdirSync(SHOTS, { recursive: true });

export const url = () => process.env.DESIGNER_URL ?? "";

/** Console errors other than failed resource loads (a 409 or the absent engine's 502 are expected). */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource|EventSource/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

export async function signIn(page: Page): Promise<void> {
  await page.goto(url());
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(process.env.DESIGNER_PASSWORD ?? "");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
}

async function csrf(context: BrowserContext): Promise<string> {
  const cookies = await context.cookies();
  return cookies.find((c) => c.name === "bms_csrf")?.value ?? "";
}

/** A new project holding ``graph``, made through the API with the page's session. */
export async function seedProject(page: Page, name: string, graph: unknown): Promise<string> {
  const r = await page.request.post(`${url()}/api/projects`, {
    headers: { "x-csrf-token": await csrf(page.context()) },
    data: { name, content: { graph } },
  });
  expect(r.status(), await r.text()).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

export const test = base;
export { expect };
