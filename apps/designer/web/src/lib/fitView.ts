/**
 * How the canvas fits a flow, when it opens, on a change of flow tab and on "Fit": never
 * above 100 % (blocks are drawn to be read at 100 %, and a first block dropped in an empty
 * flow is not blown up to the 200 % maximum), with fixed margins rather than a share of the
 * canvas, so a flow laid out for one screen opens at 100 % (the demo's flows at 1440x900:
 * demo.spec.ts). The left margin keeps blocks clear of the zoom buttons in the bottom-left
 * corner (15 px from the edge, 26 px wide).
 */
export const FIT_VIEW = { maxZoom: 1, padding: { top: "32px", right: "32px", bottom: "32px", left: "56px" } } as const;
