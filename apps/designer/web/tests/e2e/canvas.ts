/** Where the browser draws the canvas's blocks, and what covers what. */
import type { Page } from "@playwright/test";

export interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The rectangles of the blocks on the canvas, as the browser draws them. */
export async function blockBoxes(page: Page): Promise<Box[]> {
  return page.locator(".react-flow__node").evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { id: el.getAttribute("data-id") ?? "", x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
}

/** Pairs of boxes whose rectangles intersect, as "a/b". */
export function overlaps(boxes: readonly Box[]): string[] {
  return boxes.flatMap((a, i) =>
    boxes
      .slice(i + 1)
      .filter((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
      .map((b) => `${a.id}/${b.id}`),
  );
}

/** The blocks that the canvas's own controls (zoom buttons, and the map while shown) cover. */
export async function underControls(page: Page, boxes: readonly Box[]): Promise<string[]> {
  const covered: string[] = [];
  for (const corner of [".react-flow__minimap", ".react-flow__controls"]) {
    const drawn = page.locator(corner).first();
    const r = (await drawn.isVisible()) ? await drawn.boundingBox() : null;
    if (r) covered.push(...overlaps([{ id: corner, ...r }, ...boxes]).filter((p) => p.startsWith(corner)));
  }
  return covered;
}
