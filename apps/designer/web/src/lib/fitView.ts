/**
 * How the canvas fits a flow, when it opens, on a change of flow tab and on "Fit": never
 * above 100 % (blocks are drawn to be read at 100 %, and a first block dropped in an empty
 * flow is not blown up to the 200 % maximum), with a fixed 32 px margin rather than a share
 * of the canvas, so a flow laid out for one screen opens at 100 % (the demo's flows at
 * 1440x900: demo.spec.ts).
 */
export const FIT_VIEW = { maxZoom: 1, padding: "32px" } as const;
