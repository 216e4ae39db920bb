/**
 * The whole system on loopback for the browser tests: simulated BACnet devices, the IoT
 * service, the engine and the Designer (serving the built SPA), as apps/designer/tests/test_e2e.py
 * starts them. Each process logs to a file in a fresh directory; stop() ends them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify as toYaml } from "yaml";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../../../../..");
const BIN = join(REPO, ".venv/bin");
export const WEB_DIST = resolve(HERE, "../../dist");
export const PASSWORD = "e2e-stack-password";
export const IOT_TOKEN = "iot-ui-e2e-token";
/** The Designer's own IoT token: the only one the service trusts to name the signed-in operator. */
const IOT_DESIGNER_TOKEN = "iot-ui-e2e-designer-token";

/** Whether nobody has the UDP port bound on any address (0.0.0.0 without reuse fails if so). */
function udpFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createSocket({ type: "udp4", reuseAddr: false });
    s.once("error", () => {
      try {
        s.close();
      } catch {
        /* never bound */
      }
      ok(false);
    });
    s.bind({ port, address: "0.0.0.0", exclusive: true }, () => s.close(() => ok(true)));
  });
}

/**
 * This run's BACnet addresses, like Python's NetPlan: a random 127.A.B. block and two UDP ports
 * nobody has bound, from 32000-32759 (NetPlan takes 20000-31999, so the two never meet), so two
 * runs, or a run beside a stack started by hand, never collide.
 */
interface NetPlan {
  device: string;
  service: string;
  broadcast: string;
  /** "127.A.B." of this run, and the devices' UDP port. */
  prefix: string;
  port: number;
}

async function netPlan(): Promise<NetPlan> {
  const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  for (let i = 0; i < 100; i++) {
    const port = 32000 + 2 * rand(0, 379);
    if (!(await udpFree(port)) || !(await udpFree(port + 1))) continue;
    const prefix = `127.${rand(20, 254)}.${rand(1, 254)}.`;
    return {
      device: `${prefix}2/8:${port}`, service: `${prefix}1/8:${port + 1}`, broadcast: `127.255.255.255:${port}`,
      prefix, port,
    };
  }
  throw new Error("no free pair of UDP ports for the e2e stack");
}

/**
 * `bms-stack up` options that run the demo building on a fresh address block: the shipped files
 * name fixed 127.0.230.x addresses, and a second demo on the machine (a developer's start.sh,
 * another run) would take them first. Devices keep their last octet.
 */
export async function movedDemoArgs(dir: string): Promise<string[]> {
  const plan = await netPlan();
  const examples = join(REPO, "apps", "iot-supervisor-app", "examples");
  const building = parseYaml(readFileSync(join(examples, "demo-building.yaml"), "utf-8")) as { devices: SimDevice[] };
  for (const d of building.devices) {
    const lastOctet = d.address.split(":")[0]!.split("/")[0]!.split(".")[3];
    d.address = `${plan.prefix}${lastOctet}/8:${plan.port}`;
  }
  const protocols = parseYaml(readFileSync(join(examples, "demo-modbus.yaml"), "utf-8")) as {
    modbus: { devices: { host: string }[] };
  };
  for (const d of protocols.modbus.devices) d.host = `${plan.prefix}${d.host.split(".")[3]}`;
  writeFileSync(join(dir, "building.yaml"), toYaml(building));
  writeFileSync(join(dir, "modbus.yaml"), toYaml(protocols));
  return [
    "--simulator", join(dir, "building.yaml"), "--protocols", join(dir, "modbus.yaml"),
    "--bacnet-address", plan.service,
  ];
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? ok(addr.port) : fail(new Error("no port"))));
    });
  });
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("BMS_")) env[k] = v;
  return { ...env, ...extra };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Stack {
  url: string;
  iotUrl: string;
  dir: string;
  stop: () => Promise<void>;
}

/** A simulator file's device, as much of it as the stack needs to move and change it. */
export interface SimDevice {
  instance: number;
  address: string;
  name: string;
  objects: Record<string, unknown>[];
  [more: string]: unknown;
}

export interface StackOptions {
  /**
   * A simulator file of the repository (YAML or JSON, path from the repository root) to run instead
   * of the one-device default; its devices keep their last octet on this run's addresses.
   */
  simulatorFile?: string;
  /** Change the file's devices before they start (add a device, drop a point). */
  adjust?: (devices: SimDevice[], moveTo: (lastOctet: number) => string) => SimDevice[];
}

/** The simulator of a file, moved onto this run's address block (as NetPlan.move does in Python). */
function simulatorOf(options: StackOptions, plan: NetPlan): { tickS: number; devices: SimDevice[] } {
  const text = readFileSync(join(REPO, options.simulatorFile as string), "utf-8");
  const sim = parseYaml(text) as { tickS?: number; devices: SimDevice[] };
  const moveTo = (lastOctet: number) => `${plan.prefix}${lastOctet}/8:${plan.port}`;
  const moved = sim.devices.map((d) => {
    const lastOctet = Number(d.address.split(":")[0]!.split("/")[0]!.split(".")[3]);
    return { ...d, address: moveTo(lastOctet) };
  });
  return { ...sim, tickS: sim.tickS ?? 1, devices: options.adjust ? options.adjust(moved, moveTo) : moved };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "designer-ui-stack-"));
  const plan = await netPlan();
  const procs: ChildProcess[] = [];
  const run = (name: string, args: string[], env: NodeJS.ProcessEnv) => {
    const out = openSync(join(dir, `${name}.log`), "a");
    const child = spawn(join(BIN, args[0] as string), args.slice(1), { cwd: REPO, env, stdio: ["ignore", out, out] });
    procs.push(child);
    return child;
  };
  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode === null) p.kill("SIGINT");
    }
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  };
  try {
    const [designerPort, enginePort, iotPort] = [await freePort(), await freePort(), await freePort()];
    const url = `http://127.0.0.1:${designerPort}`;
    const iotUrl = `http://127.0.0.1:${iotPort}`;
    const engineState = join(dir, "engine");
    run("designer", ["designer", "serve", "--port", String(designerPort)], baseEnv({
      BMS_DESIGNER_DATA_DIR: join(dir, "designer"),
      BMS_DESIGNER_ADMIN_PASSWORD: PASSWORD,
      BMS_DESIGNER_WEB_DIR: WEB_DIST,
      BMS_DESIGNER_ENGINE_URL: `http://127.0.0.1:${enginePort}`,
      BMS_DESIGNER_ENGINE_TOKEN_FILE: join(engineState, "token"),
      BMS_DESIGNER_IOT_URL: iotUrl,
      BMS_DESIGNER_IOT_TOKEN: IOT_DESIGNER_TOKEN,
    }));
    await waitFor("the Designer", async () => (await fetch(url)).status === 200);
    const sim = options.simulatorFile ? simulatorOf(options, plan) : {
      tickS: 0.5,
      devices: [
        {
          instance: 2001, address: plan.device, name: "zone-1",
          objects: [
            { type: "analog-value", instance: 1, name: "ZN-T", value: 24.0, units: "degrees-celsius", commandable: true },
            { type: "analog-output", instance: 1, name: "DMPR", value: 0.0, units: "percent" },
            { type: "analog-value", instance: 2, name: "ZN2-T", value: 22.0, units: "degrees-celsius", commandable: true },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "sim.json"), JSON.stringify(sim));
    run("sim", ["iot-supervisor", "simulate", join(dir, "sim.json")], baseEnv({}));
    run("iot", ["iot-supervisor", "serve"], baseEnv({
      BMS_IOT_DATA_DIR: join(dir, "iot"),
      BMS_IOT_TOKEN: IOT_TOKEN,
      BMS_IOT_DESIGNER_TOKEN: IOT_DESIGNER_TOKEN,
      BMS_IOT_HTTP_PORT: String(iotPort),
      BMS_IOT_BACNET_ADDRESS: plan.service,
      BMS_IOT_BROADCAST_ADDRESS: plan.broadcast,
      BMS_IOT_DISCOVERY_MODE: "directed-broadcast",
      BMS_IOT_DISCOVER_ON_START: "true",
      BMS_IOT_POLL_INTERVAL_S: "1",
      BMS_IOT_STREAM_KEEPALIVE_S: "0.5",
      BMS_IOT_REQUEST_TIMEOUT_S: "0.5",
    }));
    run("engine", [
      "headless-engine", "start", "--state-dir", engineState, "--iot-url", iotUrl,
      "--port", String(enginePort), "--trusted-key", join(dir, "designer", "signing.pub"),
    ], baseEnv({
      BMS_ENGINE_IOT_TOKEN: IOT_TOKEN,
      BMS_ENGINE_BACKOFF_MAX_S: "1",
      BMS_ENGINE_POLL_INTERVAL_S: "1",
      BMS_ENGINE_WRITE_MIN_INTERVAL_S: "0.2",
    }));
    await waitFor("the engine", async () => {
      const r = await fetch(`http://127.0.0.1:${enginePort}/engine/health`);
      return ((await r.json()) as { ready?: boolean }).ready === true;
    });
    // Discovery: ask again while the simulator was not yet listening (or some did not answer yet).
    await waitFor("the simulated devices", async () => {
      const auth = { authorization: `Bearer ${IOT_TOKEN}` };
      const devices = (await (await fetch(`${iotUrl}/devices`, { headers: auth })).json()) as { pointCount?: number }[];
      if (devices.length >= sim.devices.length && devices.every((d) => (d.pointCount ?? 1) > 0)) return true;
      await fetch(`${iotUrl}/discover`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
      return false;
    });
    return { url, iotUrl, dir, stop };
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}; logs in ${dir}`);
  }
}

export const haveStack = () =>
  ["designer", "iot-supervisor", "headless-engine"].every((b) => existsSync(join(BIN, b)));
