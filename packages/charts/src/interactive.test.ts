import * as echarts from "echarts";
import { describe, expect, it } from "vitest";
import { curvesOption, type ParetoPoint, paretoOption, perClassOption } from "./charts";
import {
  canLogY,
  formatValue,
  interactiveOption,
  keptView,
  paretoLabelOffsets,
  paretoRelabelled,
  redrawOption,
  yAxisFor,
} from "./interactive";

const curves = curvesOption("test.balancedAccuracy", [
  {
    config: "a (2 seeds)",
    points: [
      { epoch: 1, mean: 50, ci: [40, 60] },
      { epoch: 2, mean: 62.25, ci: [55, 70] },
    ],
  },
  { config: "b (running: 1)", points: [{ epoch: 1, mean: 45, ci: [Number.NaN, Number.NaN] }], partial: true },
]);

/** The tooltip's formatter of an interactive option, called as ECharts calls it. */
function format(option: ReturnType<typeof interactiveOption>, params: unknown): string {
  const tooltip = option.tooltip;
  if (!tooltip || Array.isArray(tooltip) || typeof tooltip.formatter !== "function")
    throw new Error("no formatter");
  // @ts-expect-error ECharts' params carry more fields than a test needs
  return String(tooltip.formatter(params, ""));
}

describe("the browser's chart: tooltip, zoom, legend and log scale (issue #20)", () => {
  it("prints shares as the tables do (one decimal, %), other values to four digits", () => {
    expect(formatValue(62.25, "%")).toBe("62.3 %");
    expect(formatValue(0.123456, "")).toBe("0.1235");
    expect(formatValue(Number.NaN, "%")).toBe("—");
    expect(formatValue(null, "%")).toBe("—");
  });

  it("shows each named curve at the hovered epoch, not the bands, and zooms on x", () => {
    const option = interactiveOption("curves", curves, "%");
    const params = [
      { seriesName: "series0", value: [2, 55], marker: "" },
      { seriesName: "a (2 seeds)", value: [2, 62.25], marker: "•" },
    ];
    expect(format(option, params)).toBe("epoch 2<br>•a (2 seeds): <b>62.3 %</b>");
    expect(option.dataZoom).toHaveLength(2);
    expect(option.legend).toMatchObject({ type: "scroll" });
  });

  it("shows a bar's interval from its whiskers, and a Pareto point's own text", () => {
    const bars = perClassOption(
      "recall",
      2,
      [1],
      [
        {
          config: "a<b",
          mean: [0.9, 0.3],
          ci: [
            [0.8, 1],
            [0.1, 0.5],
          ],
        },
      ],
    );
    const text = format(interactiveOption("bars", bars, "%"), [
      { seriesName: "a<b", seriesType: "bar", name: "1*", dataIndex: 1, value: 30, marker: "" },
      { seriesName: "a<b", seriesType: "custom", name: "1*", dataIndex: 1, value: [1, 10, 50] },
    ]);
    expect(text).toBe("class 1*<br>a&lt;b: <b>30.0 %</b> [10.0 %, 50.0 %]");
    const pareto = paretoOption({
      title: "front",
      xName: "x",
      yName: "y",
      directions: ["maximize", "maximize"],
      points: [
        {
          label: "a",
          x: 60,
          y: 40,
          xCi: [55, 65],
          yCi: [35, 45],
          status: "front",
          title: "a (on the front)",
        },
      ],
    });
    expect(
      format(interactiveOption("pareto", pareto, "%"), { value: [60, 40, "a", "a (on the front)"] }),
    ).toBe("a (on the front)");
    expect(interactiveOption("pareto", pareto, "%").dataZoom).toBeUndefined();
    // its legend stays where the chart put it, scrolling
    expect(interactiveOption("pareto", pareto, "%").legend).toMatchObject({
      top: 26,
      left: 0,
      type: "scroll",
    });
  });

  it("offers a log y axis only where every value is positive, without the linear axis' fixed ends", () => {
    expect(canLogY(curves)).toBe(true);
    // a band below 0 (two seeds' t interval) does not keep the curves off a log axis
    const wide = curvesOption("m", [{ config: "a", points: [{ epoch: 1, mean: 5, ci: [-20, 30] }] }]);
    expect(canLogY(wide)).toBe(true);
    expect(canLogY(curvesOption("m", [{ config: "a", points: [{ epoch: 1, mean: 0, ci: [0, 0] }] }]))).toBe(
      false,
    );
    // recall of 0 (and intervals clipped to 0) cannot sit on a log axis
    expect(canLogY(perClassOption("recall", 1, [], [{ config: "a", mean: [0], ci: [[0, 0.1]] }]))).toBe(
      false,
    );
    expect(yAxisFor(curves, true)).toEqual({ type: "log" });
    expect(yAxisFor(curves, false)).toEqual(curves.yAxis);
  });
});

describe("what a live chart keeps over a redraw with new numbers (issue #20)", () => {
  // as ECharts' getOption() gives them after a draw: both the % of the axis and the epochs
  const inside = { type: "inside", start: 20, end: 60, startValue: 3, endValue: 6 };
  const slider = { type: "slider", start: 20, end: 60, startValue: 3, endValue: 6 };

  it("keeps the legend's choices and a zoom in epochs, not in % of an axis that grows", () => {
    expect(keptView({ legend: [{ selected: { a: false, b: true } }], dataZoom: [inside, slider] })).toEqual({
      legend: { selected: { a: false, b: true } },
      dataZoom: [
        { startValue: 3, endValue: 6 },
        { startValue: 3, endValue: 6 },
      ],
    });
    // a window that reached the axis' end stays open to the epochs a running sweep adds
    const toEnd = { start: 50, end: 100, startValue: 5, endValue: 10 };
    expect(keptView({ dataZoom: [toEnd, toEnd] }).dataZoom).toEqual([
      { startValue: 5, end: 100 },
      { startValue: 5, end: 100 },
    ]);
    expect(
      keptView({ legend: [{}], dataZoom: [{ start: 0, end: 100, startValue: 1, endValue: 10 }] }),
    ).toEqual({});
    expect(keptView(undefined)).toEqual({});
    // a zoom component without its window (an option that never drew has none) keeps nothing
    expect(keptView({ dataZoom: [inside, { type: "slider" }] })).toEqual({});
  });

  it("lays the kept view over what the browser adds: the legend keeps its scrolling and tooltip", () => {
    const curves = {
      legend: { top: 26 },
      xAxis: { type: "value" as const },
      yAxis: { type: "value" as const },
      series: [{ type: "line" as const, name: "a", data: [[1, 50]] }],
    };
    const added = interactiveOption("curves", curves, "%");
    const redrawn = redrawOption(
      added,
      keptView({ legend: [{ selected: { a: false } }], dataZoom: [inside, slider] }),
    );
    expect(redrawn.legend).toMatchObject({ type: "scroll", tooltip: { show: true }, selected: { a: false } });
    expect(redrawn.dataZoom).toEqual([
      { type: "inside", xAxisIndex: 0, filterMode: "none", startValue: 3, endValue: 6 },
      {
        type: "slider",
        xAxisIndex: 0,
        filterMode: "none",
        height: 16,
        bottom: 6,
        startValue: 3,
        endValue: 6,
      },
    ]);
    expect(redrawOption(added, {})).toEqual(added);
  });
});

/** A Pareto chart of shares in % whose points are [name, x, y, standing], each with a ±1 interval. */
const paretoOf = (points: [string, number, number, ParetoPoint["status"]][]) =>
  paretoOption({
    title: "t",
    xName: "x",
    yName: "y",
    directions: ["maximize", "maximize"],
    bounds: [0, 100],
    points: points.map(([label, x, y, status]) => ({
      label,
      x,
      y,
      xCi: [x - 1, x + 1],
      yCi: [y - 1, y + 1],
      status,
      title: label,
    })),
  });

describe("paretoRelabelled", () => {
  // on the server's 760 × 420 chart the first two are 26 px apart in y (the axis runs 16–54 over 282 px): no name moved
  const option = paretoOf([
    ["first", 50, 50, "front"],
    ["second", 50, 46.5, "front"],
    ["third", 20, 20, "dominated"],
  ]);
  const scatter = (o: { series?: unknown[] }) =>
    (o.series ?? []).filter(
      (s) => typeof s === "object" && s !== null && "type" in s && s.type === "scatter",
    );

  it("moves names apart where the browser draws their points closer than the server did", () => {
    expect(scatter(option)).toMatchObject([
      {
        data: [
          [50, 50, "first", "first"],
          [50, 46.5, "second", "second"],
        ],
      },
      { data: [[20, 20, "third", "third"]] },
    ]);
    // a narrow card draws the chart lower: the first two 3 px apart in y
    const narrow = paretoRelabelled(option, ([x, y]) => [100 + 4 * x, 200 - y * 0.86]);
    expect(scatter(narrow)).toMatchObject([
      {
        data: [
          [50, 50, "first", "first"],
          { value: [50, 46.5, "second", "second"], label: { offset: [0, 13] } },
        ],
      },
      { data: [[20, 20, "third", "third"]] },
    ]);
    // and back where they are apart: the offset goes again
    expect(scatter(paretoRelabelled(narrow, ([x, y]) => [100 + 4 * x, 200 - y * 10]))).toEqual(
      scatter(option),
    );
    // the whiskers and the staircase come through as they were
    expect(paretoRelabelled(option, () => undefined).series?.length).toBe(option.series?.length);
  });
});

describe("paretoRelabelled on ECharts' own chart", () => {
  it("moves names apart on a lower chart, and the merge keeps the legend's choices and a log y axis", () => {
    // 20 px apart at the server's 420 px, 7 px apart when a narrow card draws the chart 240 px high
    const option = paretoOf([
      ["first", 50, 50, "front"],
      ["second", 50, 47.3, "dominated"],
      ["third", 50, 20, "front"],
    ]);
    expect(paretoLabelOffsets(option)).toEqual([0, 0, 0]);
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: 480, height: 240 });
    try {
      chart.setOption({ ...option, animation: false });
      chart.dispatchAction({ type: "legendUnSelect", name: "front (by means)" });
      chart.setOption({ yAxis: [{ type: "log" }] }, { replaceMerge: ["yAxis"] });
      const toPixel = (p: [number, number]) => {
        const at: unknown = chart.convertToPixel({ gridIndex: 0 }, p);
        return Array.isArray(at) && at.every((v): v is number => typeof v === "number") ? at : undefined;
      };
      const placed = paretoRelabelled(option, toPixel);
      // "second" (the dominated series, drawn after the front's) moved a line down, off "first"
      expect(paretoLabelOffsets(placed)).toEqual([0, 0, 13]);
      chart.setOption(placed);
      expect(chart.getOption()).toMatchObject({
        legend: [{ selected: { "front (by means)": false } }],
        yAxis: [{ type: "log" }],
      });
      // a point the chart cannot place keeps the option's offset; the other series come through as they were
      const unplaced = paretoRelabelled(placed, () => undefined);
      expect(paretoLabelOffsets(unplaced)).toEqual([0, 0, 13]);
      expect(unplaced.series?.filter((s) => s.type !== "scatter")).toEqual(
        option.series?.filter((s) => s.type !== "scatter"),
      );
    } finally {
      chart.dispose();
    }
  });
});
