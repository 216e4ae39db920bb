/** Starts the real Designer server (loopback, free port, fresh data dir) for the e2e tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

export const PASSWORD = "e2e-admin-password";
const REPO = resolve(HERE, "../../../../..");
const WEB_DIST = resolve(HERE, "../../dist");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? ok(addr.port) : fail(new Error("no port"))));
    });
  });
}

async function waitUp(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Designer exited (${child.exitCode}); see ${log}`);
    try {
      const r = await fetch(`${url}/api/auth/session`);
      if (r.status === 401) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Designer did not answer within 60 s; see ${log}`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(WEB_DIST, "index.html"))) throw new Error("run `npm run build` before `npm run e2e`");
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) throw new Error(`no Chromium at ${chromium}: apt-get install -y chromium`);
  const dir = mkdtempSync(join(tmpdir(), "designer-e2e-"));
  const port = await freePort();
  const log = join(dir, "designer.log");
  const out = openSync(log, "a");
  const venvBin = join(REPO, ".venv/bin/designer");
  const [cmd, args] = existsSync(venvBin)
    ? [venvBin, ["serve", "--port", String(port)]]
    : ["uv", ["run", "--frozen", "designer", "serve", "--port", String(port)]];
  const child = spawn(cmd, args, {
    cwd: REPO,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      BMS_DESIGNER_HOST: "127.0.0.1",
      BMS_DESIGNER_DATA_DIR: join(dir, "data"),
      BMS_DESIGNER_ADMIN_PASSWORD: PASSWORD,
      BMS_DESIGNER_WEB_DIR: WEB_DIST,
      // No engine or IoT service in these tests: unroutable loopback ports.
      BMS_DESIGNER_ENGINE_URL: "http://127.0.0.1:9",
      BMS_DESIGNER_ENGINE_TOKEN_FILE: join(dir, "engine-token"),
      BMS_DESIGNER_IOT_URL: "http://127.0.0.1:9",
      BMS_DESIGNER_IOT_TOKEN_FILE: join(dir, "iot-token"),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url, child, log);
  process.env.DESIGNER_URL = url;
  process.env.DESIGNER_PASSWORD = PASSWORD;
  return async () => {
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode === null) child.kill("SIGKILL");
  };
}
