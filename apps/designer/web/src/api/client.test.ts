import { describe, expect, it } from "vitest";
import { detail, errorMessage, failureOf, readCookie } from "./client";

describe("readCookie", () => {
  it("finds the CSRF cookie among others, URL-decoded", () => {
    expect(readCookie("bms_csrf", "a=1; bms_csrf=ab%2Bc=d; z=2")).toBe("ab+c=d");
    expect(readCookie("bms_csrf", "a=1")).toBeNull();
  });
});

describe("failureOf / errorMessage / detail", () => {
  const failed = (status: number, error: unknown) => ({ error, response: new Response(null, { status }) });

  it("reads the server's envelope and its details", () => {
    const r = failed(409, { code: "stale_revision", message: "revision 3 is stale", details: { currentRevision: 4 } });
    const err = failureOf(r);
    expect(err?.status).toBe(409);
    expect(err?.envelope.code).toBe("stale_revision");
    expect(errorMessage(r, "save failed")).toBe("revision 3 is stale");
    expect(detail(err, "currentRevision")).toBe(4);
  });

  it("falls back when the body is not an envelope, and is empty on success", () => {
    expect(errorMessage(failed(502, undefined), "deploy failed")).toBe("deploy failed");
    expect(failureOf(failed(502, undefined))?.envelope.code).toBe("http_502");
    expect(detail(failureOf(failed(500, { message: "x", details: [1] })), "a")).toBeUndefined();
    const ok = { data: 1, response: new Response(null, { status: 200 }) };
    expect(errorMessage(ok, "x")).toBe("");
  });
});
