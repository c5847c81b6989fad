import { describe, expect, it } from "vitest";
import { frontSteps, type ParetoPoint, paretoSvg } from "./charts";

const point = (label: string, x: number, y: number, status: ParetoPoint["status"]): ParetoPoint => ({
  label,
  x,
  y,
  xCi: [x - 2, x + 2],
  yCi: [y - 3, y + 3],
  status,
  title: `${label}: ${x}, ${y}`,
});

describe("frontSteps", () => {
  it("turns between neighbours at the corner worse on both objectives", () => {
    const front = [
      { x: 80, y: 60 },
      { x: 61, y: 80 },
      { x: 70, y: 70 },
    ];
    expect(frontSteps(front, ["maximize", "maximize"])).toEqual([
      [61, 80],
      [61, 70],
      [70, 70],
      [70, 60],
      [80, 60],
    ]);
    // minimising y (a class shift): the front rises with x, and the corners take the larger y
    expect(
      frontSteps(
        [
          { x: 80, y: 0.3 },
          { x: 60, y: 0.1 },
        ],
        ["maximize", "minimize"],
      ),
    ).toEqual([
      [60, 0.1],
      [60, 0.3],
      [80, 0.3],
    ]);
  });
});

describe("paretoSvg", () => {
  it("draws every point labelled with its hover text, whiskers on both axes, and says which way is better", () => {
    const svg = paretoSvg({
      title: "balanced accuracy × minority recall",
      xName: "balanced accuracy %",
      yName: "minority recall %",
      directions: ["maximize", "minimize"],
      points: [
        point("A", 80, 60, "front"),
        point("C", 61, 80, "front"),
        point("B", 71, 50, "dominated"),
        {
          ...point("D", 79, 59, "not separable"),
          xCi: [Number.NaN, Number.NaN],
          yCi: [Number.NaN, Number.NaN],
        },
      ],
    });
    expect(svg).toMatch(/^<svg[^>]*><title>balanced accuracy × minority recall<\/title>/);
    for (const label of ["A", "B", "C", "D"]) expect(svg).toContain(`>${label}</text>`);
    // each symbol carries its own point's title, the legend's none
    expect(
      [...svg.matchAll(/<title>([^<]*)<\/title>/g)]
        .map((m) => m[1])
        .slice(1)
        .sort(),
    ).toEqual(["A: 80, 60", "B: 71, 50", "C: 61, 80", "D: 79, 59"]);
    expect(svg).toContain("balanced accuracy % (→ better)");
    expect(svg).toContain("minority recall % (↓ better)");
    expect(svg).toContain("dominated by means, not separable");
    // three points with intervals, each a horizontal and a vertical whisker with two caps: 18 strokes in #555
    expect(svg.match(/stroke="#555"/g)).toHaveLength(18);
    expect(svg).not.toContain("NaN");
  });
});
