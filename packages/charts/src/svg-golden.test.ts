import { describe, expect, it } from "vitest";
import {
  curvesSvg,
  epochLinesSvg,
  groupedBarsSvg,
  heatmapSvg,
  linesSvg,
  parallelCoordinatesSvg,
  paretoSvg,
  perClassSvg,
} from "./charts";
import { seriesColours } from "./colours";
import { sameSvg } from "./same-svg";

// The SVG each chart drew before its option was split out of it (issue #20: `*Option` feeds the browser's chart,
// `*Svg` the report and the first paint), kept as files: the split must not change a byte of what the report writes.
const golden = (name: string) => `./__golden__/${name}.svg`;

describe("each chart's SVG is what it was before the option was split out", () => {
  it("curves", async () => {
    const configs: Parameters<typeof curvesSvg>[1] = [
      {
        config: "a (2 seeds)",
        points: [
          { epoch: 1, mean: 0.5, ci: [0.4, 0.6] },
          { epoch: 2, mean: 0.62, ci: [0.55, 0.7] },
        ],
      },
      {
        config: "b (running: 1)",
        points: [{ epoch: 1, mean: 0.45, ci: [Number.NaN, Number.NaN] }],
        partial: true,
      },
    ];
    await expect(
      sameSvg(curvesSvg("balancedAccuracy", configs, seriesColours(configs.map((c) => c.config)))),
    ).toMatchFileSnapshot(golden("curves"));
  });

  it("epoch lines", async () => {
    await expect(
      sameSvg(
        epochLinesSvg({
          title: "loss terms per epoch",
          yName: "loss",
          series: [
            {
              name: "total",
              points: [
                [1, 3],
                [2, 2.5],
                [3, Number.NaN],
              ],
            },
            {
              name: "labeled",
              points: [
                [1, 1.2],
                [2, 0.9],
                [3, 0.8],
              ],
            },
          ],
        }),
      ),
    ).toMatchFileSnapshot(golden("epoch-lines"));
  });

  it("grouped bars and per class", async () => {
    await expect(
      sameSvg(
        groupedBarsSvg({
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
              mean: [75, Number.NaN],
              ci: [
                [65, 85],
                [Number.NaN, Number.NaN],
              ],
            },
          ],
        }),
      ),
    ).toMatchFileSnapshot(golden("grouped-bars"));
    await expect(
      sameSvg(
        perClassSvg(
          "test recall per class (%)",
          3,
          [2],
          [
            {
              config: "a",
              mean: [0.9, 0.8, 0.3],
              ci: [
                [0.85, 0.95],
                [0.7, 0.9],
                [0.1, 0.5],
              ],
            },
            {
              config: "b",
              mean: [0.88, 0.82, 0.4],
              ci: [
                [0.8, 0.96],
                [0.75, 0.89],
                [0.2, 0.6],
              ],
            },
          ],
          seriesColours(["b", "a"]),
        ),
      ),
    ).toMatchFileSnapshot(golden("per-class"));
  });

  it("lines over categories", async () => {
    await expect(
      sameSvg(
        linesSvg({
          title: "balanced accuracy",
          categories: ["ρ=10", "ρ=100", "ρ=1000"],
          xName: "imbalance",
          yName: "%",
          series: [
            {
              name: "a",
              mean: [60, 50, 40],
              ci: [
                [55, 65],
                [45, 55],
                [30, 50],
              ],
            },
            {
              name: "b",
              mean: [61, Number.NaN, 45],
              ci: [
                [58, 64],
                [Number.NaN, Number.NaN],
                [40, 50],
              ],
            },
          ],
        }),
      ),
    ).toMatchFileSnapshot(golden("lines"));
  });

  it("heatmap, sequential and diverging", async () => {
    const base = {
      title: "balancedAccuracy (%)",
      x: ["5", "30"],
      y: ["proposed", "gaussian"],
      xName: "nu",
      yName: "variant",
      values: [
        [10, 55.44],
        [null, 61.2],
      ],
    };
    await expect(sameSvg(heatmapSvg(base))).toMatchFileSnapshot(golden("heatmap"));
    await expect(
      sameSvg(
        heatmapSvg({
          ...base,
          scale: "diverging",
          higherIsBetter: false,
          values: [
            [-3, 2.5],
            [0, null],
          ],
        }),
      ),
    ).toMatchFileSnapshot(golden("heatmap-diverging"));
  });

  it("parallel coordinates", async () => {
    await expect(
      sameSvg(
        parallelCoordinatesSvg({
          title: "balancedAccuracy over the knobs",
          axes: [
            { name: "variant", scale: "category", categories: ["proposed", "gaussian"] },
            { name: "lr", scale: "log" },
            { name: "nu", scale: "linear" },
          ],
          valueName: "balancedAccuracy (%)",
          lines: [
            { values: ["proposed", 0.001, 5], value: 61.5, title: "proposed lr=0.001 nu=5: 61.5 %" },
            { values: ["gaussian", 0.01, 30], value: 55.2, title: "gaussian <&> lr=0.01: 55.2 %" },
          ],
        }),
      ),
    ).toMatchFileSnapshot(golden("parallel"));
  });

  it("pareto", async () => {
    await expect(
      sameSvg(
        paretoSvg({
          title: "balancedAccuracy × minorityRecall",
          xName: "balancedAccuracy %",
          yName: "minorityRecall %",
          directions: ["maximize", "minimize"],
          points: [
            { label: "a", x: 80, y: 30, xCi: [75, 85], yCi: [25, 35], status: "front", title: "a: 80, 30" },
            {
              label: "b",
              x: 70,
              y: 20,
              xCi: [65, 75],
              yCi: [Number.NaN, Number.NaN],
              status: "front",
              title: "b",
            },
            {
              label: "c",
              x: 60,
              y: 40,
              xCi: [50, 70],
              yCi: [30, 50],
              status: "dominated",
              title: "c <dominated>",
            },
            { label: "d", x: 75, y: 32, xCi: [70, 80], yCi: [28, 36], status: "not separable", title: "d" },
          ],
        }),
      ),
    ).toMatchFileSnapshot(golden("pareto"));
  });
});
