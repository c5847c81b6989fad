import { describe, expect, it } from "vitest";
import { curvesOption, renderSvg } from "./charts";

const curves = (last: number) =>
  curvesOption("balancedAccuracy", [
    {
      config: "a",
      points: [
        { epoch: 1, mean: 0.5, ci: [0.4, 0.6] },
        { epoch: 2, mean: last, ci: [last - 0.1, last + 0.1] },
      ],
    },
  ]);

describe("renderSvg keeps the last pictures", () => {
  it("gives the same text for the same option and size (a new drawing would carry a new instance id)", () => {
    const first = renderSvg(curves(0.55));
    expect(renderSvg(curves(0.55))).toBe(first);
    expect(first).toMatch(/zr\d+-cls/); // what would differ between two drawings
  });

  it("draws again for another value, size, or a non-finite number where the other has null", () => {
    const first = renderSvg(curves(0.55));
    expect(renderSvg(curves(0.56))).not.toBe(first);
    expect(renderSvg(curves(0.55), 700)).not.toBe(first);
    const withNaN = curves(0.55);
    const withNull = structuredClone(withNaN);
    const nanSeries = withNaN.series as { data: unknown[] }[];
    const nullSeries = withNull.series as { data: unknown[] }[];
    nanSeries[0]!.data = [Number.NaN, Number.NaN];
    nullSeries[0]!.data = [null, null];
    const nan = renderSvg(withNaN);
    expect(renderSvg(withNull)).not.toBe(nan); // two drawings at least: their instance ids differ
    expect(renderSvg(withNaN)).toBe(nan);
  });

  it("draws an option with a function in it every time (JSON cannot tell two functions apart)", () => {
    const option = { ...curves(0.55), tooltip: { formatter: () => "x" } };
    expect(renderSvg(option)).not.toBe(renderSvg(option));
  });
});
