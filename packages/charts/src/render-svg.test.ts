import type { EChartsOption } from "echarts";
import { describe, expect, it } from "vitest";
import { curvesOption, renderSvg } from "./charts";
import type { ChartOption } from "./renderers";

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

/** A two-point line chart: `data` as given (numbers, NaN, null), a legend as given. */
const line = (data: (number | null)[], legend: ChartOption["legend"] = {}): ChartOption => ({
  legend,
  xAxis: { type: "category", data: ["1", "2"] },
  yAxis: { type: "value" },
  series: [{ type: "line", name: "a", data }],
});

describe("renderSvg keeps the last pictures", () => {
  it("gives the same text for the same option and size (a new drawing would carry a new instance id)", () => {
    const first = renderSvg(curves(0.55));
    expect(renderSvg(curves(0.55))).toBe(first);
    expect(first).toMatch(/zr\d+-cls/); // what would differ between two drawings
  });

  it("draws again for another value, size, a non-finite number where the other has null, or an undefined key", () => {
    const first = renderSvg(curves(0.55));
    expect(renderSvg(curves(0.56))).not.toBe(first);
    expect(renderSvg(curves(0.55), 700)).not.toBe(first);
    const nan = renderSvg(line([Number.NaN, 1]));
    expect(renderSvg(line([null, 1]))).not.toBe(nan); // another drawing: its instance id differs
    expect(renderSvg(line([Number.NaN, 1]))).toBe(nan);
    // a legend whose `show` is undefined is no legend to ECharts; an empty one is its default legend
    const shown = renderSvg(line([0, 1], {}));
    const unset = renderSvg(line([0, 1], { show: undefined }));
    expect(unset).not.toBe(shown);
    expect(renderSvg(line([0, 1], { show: undefined }))).toBe(unset);
  });

  it("draws an option with a function or a Date in it every time (JSON cannot tell them apart)", () => {
    const withFunction = { ...curves(0.55), tooltip: { formatter: () => "x" } };
    expect(renderSvg(withFunction)).not.toBe(renderSvg(withFunction));
    const withDate = { ...line([0, 1]), title: { text: "t", subtext: new Date(0).toISOString() } };
    expect(renderSvg(withDate)).toBe(renderSvg(withDate)); // its text is plain
    const dated: EChartsOption = {
      xAxis: { type: "time" },
      yAxis: { type: "value" },
      series: [{ type: "line", data: [[new Date(0), 1]] }],
    };
    expect(renderSvg(dated)).not.toBe(renderSvg(dated));
  });
});
