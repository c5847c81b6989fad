import { describe, expect, it, vi } from "vitest";
import {
  curvesOption,
  epochLinesOption,
  groupedBarsOption,
  heatmapOption,
  linesOption,
  parallelCoordinatesOption,
  paretoOption,
  perClassOption,
  renderSvg,
} from "./charts";
import type { ChartOption } from "./renderers";
import { sameSvg } from "./same-svg";

/** Where in an option a value JSON cannot carry sits (a function, undefined in an array, a symbol), if anywhere. */
function notJson(value: unknown, path = "option"): string | undefined {
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") return path;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = v === undefined ? `${path}[${i}]` : notJson(v, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const found = notJson(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** What a React server component hands its client component: the option through JSON (NaN arrives as null). */
const roundTrip = (option: ChartOption): ChartOption => JSON.parse(JSON.stringify(option));

const OPTIONS: [string, ChartOption, number?, number?][] = [
  [
    "curves",
    curvesOption("balancedAccuracy", [
      { config: "a", points: [{ epoch: 1, mean: 0.5, ci: [0.4, 0.6] }] },
      { config: "b", points: [{ epoch: 1, mean: 0.4, ci: [Number.NaN, Number.NaN] }], partial: true },
    ]),
  ],
  [
    "epoch lines",
    epochLinesOption({
      title: "loss",
      series: [
        {
          name: "total",
          points: [
            [1, 2],
            [2, Number.NaN],
          ],
        },
      ],
    }),
  ],
  [
    "grouped bars",
    groupedBarsOption({
      title: "recall",
      categories: ["0", "1*"],
      series: [
        {
          name: "a",
          mean: [80, Number.NaN],
          ci: [
            [70, 90],
            [Number.NaN, Number.NaN],
          ],
        },
      ],
    }),
    760,
    340,
  ],
  [
    "per class",
    perClassOption(
      "recall",
      2,
      [1],
      [
        {
          config: "a",
          mean: [0.9, 0.3],
          ci: [
            [0.8, 1],
            [0.1, 0.5],
          ],
        },
      ],
    ),
    760,
    340,
  ],
  [
    "lines",
    linesOption({
      title: "by ρ",
      categories: ["ρ=10", "ρ=100"],
      series: [
        {
          name: "a",
          mean: [60, Number.NaN],
          ci: [
            [55, 65],
            [Number.NaN, Number.NaN],
          ],
        },
      ],
    }),
    860,
    340,
  ],
  [
    "heatmap",
    heatmapOption({
      title: "h",
      x: ["1", "2"],
      y: ["a"],
      values: [[10, null]],
    }),
    420,
    240,
  ],
  [
    "parallel coordinates",
    parallelCoordinatesOption({
      title: "p",
      axes: [{ name: "variant", scale: "category" }],
      valueName: "v",
      lines: [{ values: ["a"], value: 50, title: "a: 50 %" }],
    }),
    560,
    340,
  ],
  [
    "pareto",
    paretoOption({
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
          yCi: [Number.NaN, Number.NaN],
          status: "front",
          title: "a",
        },
        { label: "b", x: 50, y: 30, xCi: [45, 55], yCi: [25, 35], status: "dominated", title: "b" },
      ],
    }),
    760,
    420,
  ],
];

describe("each chart's option is plain JSON, for the browser's chart (issue #20)", () => {
  it.each(OPTIONS)(
    "%s: no function in it, and the same SVG after a trip through JSON",
    async (_, option, w, h) => {
      expect(notJson(option)).toBeUndefined();
      const trip = roundTrip(option);
      expect(notJson(trip)).toBeUndefined();
      // the whiskers' renderer is found by its name in the option: it draws the same after the trip. Drawn by a
      // fresh copy of the module, whose kept pictures are its own: renderSvg would otherwise hand back the first
      // drawing for an option the trip did not change.
      vi.resetModules();
      const fresh = await import("./charts");
      expect(sameSvg(fresh.renderSvg(trip, w, h))).toBe(sameSvg(renderSvg(option, w, h)));
    },
  );
});
