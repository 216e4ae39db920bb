import { describe, expect, it } from "vitest";
import { readCookie } from "./client";

describe("readCookie", () => {
  it("finds the CSRF cookie among others, URL-decoded", () => {
    expect(readCookie("bms_csrf", "a=1; bms_csrf=ab%2Bc=d; z=2")).toBe("ab+c=d");
    expect(readCookie("bms_csrf", "a=1")).toBeNull();
  });
});
