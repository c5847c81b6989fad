import { describe, expect, it } from "vitest";
import {
  curvesOption,
  groupedBarsSvg,
  heatmapSvg,
  linesSvg,
  parallelCoordinatesSvg,
  perClassSvg,
} from "./charts";
import { cellColours, sequentialScale } from "./colours";

/** The x positions of the whiskers' vertical strokes (drawn in #333, unlike axes and grid lines). */
function verticalStrokes(svg: string): number[] {
  return [...svg.matchAll(/<path d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)"[^>]*stroke="#333"/g)]
    .filter((m) => m[1] === m[3] && m[2] !== m[4])
    .map((m) => Number(m[1]));
}

describe("charts rendered to SVG without a browser", () => {
  it("draws grouped bars with one whisker per bar, named in the legend", () => {
    const svg = groupedBarsSvg({
      title: "recall",
      categories: ["0", "1*"],
      series: [
        {
          name: "proposed",
          mean: [80, 40],
          ci: [
            [70, 90],
            [30, 50],
          ],
        },
        {
          name: "gaussian",
          mean: [75, 20],
          ci: [
            [65, 85],
            [10, 30],
          ],
        },
      ],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toMatch(/^<svg[^>]*><title>recall<\/title>/);
    expect(svg).toContain("proposed");
    expect(svg).toContain("gaussian");
    expect(svg).toContain("1*");
    expect(new Set(verticalStrokes(svg)).size).toBe(4);
    expect(svg).not.toContain("NaN");
  });

  it("dodges line series so that their whiskers stay apart, and skips missing points", () => {
    const svg = linesSvg({
      title: "balanced accuracy",
      categories: ["ρ=10", "ρ=100"],
      series: [
        {
          name: "a",
          mean: [60, 50],
          ci: [
            [55, 65],
            [45, 55],
          ],
        },
        {
          name: "b",
          mean: [61, Number.NaN],
          ci: [
            [56, 66],
            [Number.NaN, Number.NaN],
          ],
        },
      ],
    });
    const xs = verticalStrokes(svg);
    expect(xs).toHaveLength(3);
    expect(new Set(xs).size).toBe(3);
    expect(svg).toContain("ρ=100");
    expect(svg).not.toContain("NaN");
  });

  it("prints each heat-map cell's value and leaves missing cells empty", () => {
    const svg = heatmapSvg({
      title: "γ × ν",
      x: ["tied", "-0.01"],
      y: ["2.5", "10"],
      values: [
        [61.23, null],
        [63.4, 58],
      ],
    });
    expect(svg).toContain(">61.2<");
    expect(svg).toContain(">63.4<");
    expect(svg).toContain(">58.0<");
    expect(svg).not.toContain("null");
  });

  it("shows per-class recall as percentages with minority classes starred", () => {
    const svg = perClassSvg(
      "per class",
      3,
      [2],
      [
        {
          config: "x",
          mean: [0.9, 0.5, 0.1],
          ci: [
            [0.8, 1],
            [0.4, 0.6],
            [-0.1, 0.3],
          ],
        },
      ],
    );
    expect(svg).toContain("2*");
    expect(svg).toContain("class (* minority)");
  });
});

describe("parallel coordinates", () => {
  const lines = [
    { values: ["gaussian", 5, 0.001], value: 61.2, title: "variant=gaussian: 61.2 % [58.0, 64.4] <3 seeds>" },
    { values: ["proposed", 30, 0.0001], value: 70.5, title: "variant=proposed: 70.5 %" },
    { values: ["proposed", 5, 0.01], value: 66, title: "third" },
  ];
  const svg = parallelCoordinatesSvg({
    title: "balancedAccuracy over the swept knobs",
    axes: [
      { name: "variant", scale: "category", categories: ["gaussian", "proposed"] },
      { name: "model.nu", scale: "linear" },
      { name: "train.learningRate", scale: "log" },
    ],
    valueName: "balancedAccuracy (%)",
    lines,
  });
  const polylines = [
    ...svg.matchAll(
      /<polyline points="([^"]+)"[^>]*stroke="([^"]+)"[^>]*><title>([^<]*)<\/title><\/polyline>/g,
    ),
  ];

  it("draws one line per configuration across an axis per knob and the value, each with its hover text", () => {
    expect(svg).toMatch(/^<svg[^>]*><title>balancedAccuracy over the swept knobs<\/title>/);
    expect(polylines).toHaveLength(3);
    // the text escaped, in the lines' order
    expect(polylines.map((m) => m[3])).toEqual([
      "variant=gaussian: 61.2 % [58.0, 64.4] &lt;3 seeds&gt;",
      "variant=proposed: 70.5 %",
      "third",
    ]);
    for (const name of [
      "variant",
      "model.nu",
      "train.learningRate",
      "balancedAccuracy (%)",
      "gaussian",
      "proposed",
    ])
      expect(svg, name).toContain(`>${name}</text>`);
    // four axes: each line has a point on each; the higher value sits higher (smaller y) on the last axis
    const points = polylines.map((m) => m[1]!.split(" ").map(Number));
    for (const p of points) expect(p).toHaveLength(8);
    expect(points[1]![7]).toBeLessThan(points[2]![7]!);
    expect(points[2]![7]).toBeLessThan(points[0]![7]!);
  });

  it("colours each line by its value on the sequential scale, and puts a log axis' decades evenly apart", () => {
    const { scale } = sequentialScale(lines.map((l) => l.value));
    expect(polylines.map((m) => m[2])).toEqual(lines.map((l) => cellColours(scale, l.value).background));
    // learning rates 1e-4, 1e-3, 1e-2: equal steps on a log axis
    const y = polylines.map((m) => m[1]!.split(" ").map(Number)[5]!);
    expect(y[1]! - y[0]!).toBeCloseTo(y[0]! - y[2]!, 6);
  });
});

describe("curvesOption", () => {
  const points = [
    { epoch: 1, mean: 4, ci: [-12, 20] as const },
    { epoch: 2, mean: 96, ci: [88, 104] as const },
  ];
  /** The band's lower edge and its width per epoch (the stacked pair), as the option holds them. */
  const band = (option: ReturnType<typeof curvesOption>) =>
    (option.series ?? []).filter((x) => "stack" in x && x.stack === "band0").map((x) => x.data);

  it("clips a share's t band to its bounds, so the axis does not reach a negative accuracy", () => {
    expect(band(curvesOption("accuracy (%)", [{ config: "a", points }], undefined, [0, 100]))).toEqual([
      [
        [1, 0],
        [2, 88],
      ],
      [
        [1, 20],
        [2, 12],
      ],
    ]);
    // a loss has no bounds: the band is the interval as computed
    expect(band(curvesOption("loss.total", [{ config: "a", points }]))[0]).toEqual([
      [1, -12],
      [2, 88],
    ]);
  });
});
