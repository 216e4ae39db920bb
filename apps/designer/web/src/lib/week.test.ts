import { describe, expect, it } from "vitest";
import { gridToWeek, isBoolWeek, weekToGrid } from "./week";

describe("weekly grid", () => {
  it("round-trips transitions through the grid", () => {
    const week = {
      monday: [
        { time: "07:00", value: true },
        { time: "18:30", value: false },
      ],
      saturday: [{ time: "09:00", value: true }],
    };
    const grid = weekToGrid(week);
    expect(grid[0]?.[13]).toBe(false);
    expect(grid[0]?.[14]).toBe(true);
    expect(grid[0]?.[36]).toBe(true);
    expect(grid[0]?.[37]).toBe(false);
    expect(grid[5]?.[47]).toBe(true);
    const back = gridToWeek(grid);
    expect(back.monday).toEqual(week.monday);
    expect(back.saturday).toEqual(week.saturday);
    expect(back.sunday).toEqual([]);
  });
  it("tells on/off weeks from others", () => {
    expect(isBoolWeek({ monday: [{ time: "07:00", value: true }] })).toBe(true);
    expect(isBoolWeek({ monday: [{ time: "07:00", value: 21.5 }] })).toBe(false);
    expect(isBoolWeek(undefined)).toBe(true);
  });
});
