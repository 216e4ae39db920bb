// Copies the README's pictures from the browser tests' screenshots into docs/images:
//   npm run build && npx playwright test tests/e2e/demo.spec.ts tests/e2e/console.spec.ts
//   npm run readme-shots
// Each picture is what a test saw at 1440x900; the test names it, this table places it.
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = resolve(HERE, "../test-results");
const IMAGES = resolve(HERE, "../../../../docs/images");

const PICTURES = {
  "demo-editor.png": "designer-demo.png", // demo.spec: the demo project with live values
  "demo-alarm-acked-1440.png": "console-alarms.png", // demo.spec: the demo's comfort alarm, acknowledged
  // console.spec: two zones and a damper, zoomed in on the test's minute of data
  "22-console-trends-zoomed-1440.png": "console-trends.png",
};

const missing = Object.keys(PICTURES).filter((shot) => !existsSync(join(SHOTS, shot)));
if (missing.length) {
  throw new Error(`no ${missing.join(", ")} in ${SHOTS}: run demo.spec.ts and console.spec.ts first`);
}
for (const [shot, image] of Object.entries(PICTURES)) {
  copyFileSync(join(SHOTS, shot), join(IMAGES, image));
  console.log(`${shot} -> docs/images/${image}`);
}
