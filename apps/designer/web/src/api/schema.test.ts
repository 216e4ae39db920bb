import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const WEB = resolve(__dirname, "../..");

describe("schema.gen.ts", () => {
  it("is current with apps/designer/openapi.json (else run `npm run gen:api` and commit)", () => {
    const out = join(mkdtempSync(join(tmpdir(), "gen-api-")), "schema.gen.ts");
    const bin = join(WEB, "node_modules/.bin/openapi-typescript");
    execFileSync(bin, [join(WEB, "../openapi.json"), "-o", out], { cwd: WEB, stdio: "pipe" });
    execFileSync("node", [join(WEB, "scripts/header.mjs"), out], { cwd: WEB, stdio: "pipe" });
    const fresh = readFileSync(out, "utf8");
    const committed = readFileSync(join(WEB, "src/api/schema.gen.ts"), "utf8");
    expect(
      committed === fresh,
      "src/api/schema.gen.ts is stale against ../openapi.json: TO FIX run `npm run gen:api` and commit",
    ).toBe(true);
  }, 60_000);
});
