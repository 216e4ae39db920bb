/**
 * What the specs that run against their own real stack share: the stack started before a
 * file's serial tests and stopped after them, and signing in as the admin.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { PASSWORD, type Stack, type StackOptions, haveStack, startStack } from "./stack";

/**
 * Registers this spec file's stack: the returned object is filled in before the first test
 * (so `stack.url` reads as usual inside tests) and stopped after the last one.
 */
export function useStack(options: StackOptions = {}, startTimeoutMs = 120_000): Stack {
  const stack = {} as Stack;
  test.describe.configure({ mode: "serial", timeout: 180_000 });
  test.skip(!haveStack(), "the repo's .venv has no designer, iot-supervisor or headless-engine: run uv sync");
  test.beforeAll(async () => {
    test.setTimeout(startTimeoutMs);
    Object.assign(stack, await startStack(options));
  });
  test.afterAll(async () => {
    await stack.stop?.();
  });
  return stack;
}

/** Signs in as the admin and answers the CSRF token the Designer's writes need. */
export async function signIn(page: Page, stack: Stack): Promise<string> {
  await page.goto(stack.url);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
  return (await page.context().cookies()).find((c) => c.name === "bms_csrf")?.value ?? "";
}
