import { describe, expect, it } from "vitest";
import { groupedBarsSvg, heatmapSvg, linesSvg, perClassSvg } from "./charts";

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
