import { describe, expect, it } from "vitest";
import { frontSteps, type ParetoPoint, paretoOption, paretoSvg, renderSvg } from "./charts";
import { paretoLabelShifts } from "./pareto-labels";

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

describe("paretoOption with bounds", () => {
  it("keeps whiskers and axes inside the metrics' range, as the tables clip the intervals", () => {
    const wide = (bounds?: readonly [number, number]) =>
      paretoOption({
        title: "t",
        xName: "x %",
        yName: "y %",
        directions: ["maximize", "maximize"],
        points: [
          { ...point("A", 16, 17, "front"), xCi: [3.3, 28.7], yCi: [-131, 165] },
          { ...point("B", 15, 17, "not separable"), xCi: [Number.NaN, Number.NaN], yCi: [9, 21] },
        ],
        ...(bounds && { bounds }),
      });
    const whiskers = (data: number[][]) => expect.objectContaining({ name: "95% t intervals", data });
    // unbounded, a two-seed interval stretches the y axis past −131 %
    expect(wide().series).toContainEqual(
      whiskers([
        [16, 17, 3.3, 28.7, -131, 165],
        [15, 17, Number.NaN, Number.NaN, 9, 21],
      ]),
    );
    expect(wide()).toMatchObject({ yAxis: { min: -155, max: 189 } });
    // bounded: each end inside [0, 100], a missing end still missing (no whisker), the axes inside too
    const bounded = wide([0, 100]);
    expect(bounded.series).toContainEqual(
      whiskers([
        [16, 17, 3.3, 28.7, 0, 100],
        [15, 17, Number.NaN, Number.NaN, 9, 21],
      ]),
    );
    expect(bounded).toMatchObject({ xAxis: { min: 1, max: 31 }, yAxis: { min: 0, max: 100 } });
  });
});

describe("paretoLabelShifts", () => {
  it("moves a label off the one it would cover by a line, and leaves labels apart where they are", () => {
    expect(
      paretoLabelShifts([
        { x: 400, y: 200, text: "variant=gaussian" },
        { x: 390, y: 201, text: "variant=proposed" },
        // far to the right: clear of both whatever its y
        { x: 700, y: 200, text: "c" },
        // a third near the first two: its own line is the first's, one down the second's, one up still grazes the first's
        // (its anchor is 2 px lower): two down
        { x: 395, y: 202, text: "variant=mixture" },
        { x: Number.NaN, y: 200, text: "nowhere" },
      ]),
    ).toEqual([0, 13, 0, 26, 0]);
  });

  it("moves a name at most three lines, leaving it by its point in a crowd", () => {
    const crowd = Array.from({ length: 9 }, (_, i) => ({ x: 300, y: 200, text: `config ${i}` }));
    expect(paretoLabelShifts(crowd)).toEqual([0, 13, -13, 26, -26, 39, -39, 0, 0]);
  });

  it("draws near-equal configurations' names apart in the SVG", () => {
    const labelY = (svg: string) =>
      [...svg.matchAll(/translate\([\d.]+ ([\d.]+)\)[^>]*>(variant=\w+)<\/text>/g)].map((m) => [
        m[2],
        Number(m[1]),
      ]);
    const svg = paretoSvg({
      title: "t",
      xName: "x %",
      yName: "y %",
      directions: ["maximize", "maximize"],
      bounds: [0, 100],
      points: [
        point("variant=gaussian", 16, 16.7, "front"),
        point("variant=proposed", 15.5, 16.7, "not separable"),
      ],
    });
    const [[, a], [, b]] = labelY(svg) as [[string, number], [string, number]];
    expect(Math.abs(a - b)).toBeGreaterThanOrEqual(12);
  });
});

describe("paretoOption's plot area", () => {
  const drawn = (yName: string, y = 10, bounds?: readonly [number, number]) =>
    paretoOption({
      title: "t",
      xName: "x %",
      yName,
      directions: ["maximize", "maximize"],
      points: [point("a", 10, y, "front"), point("b", 20, y + 10, "front")],
      ...(bounds && { bounds }),
    });

  it("stays where the labels are placed, however long the y axis's name", () => {
    // the y ticks' x in the SVG: right of them starts the plot, which a name reaching past the left edge moved right
    const tickX = (yName: string) =>
      [
        ...renderSvg(drawn(yName), 760, 420).matchAll(/translate\(([\d.]+) [\d.]+\)"[^>]*>\d+<\/text>/g),
      ][0]?.[1];
    expect(tickX("pseudoBalancedAccuracy % with a long name (↑ better)")).toBe(tickX("y"));
  });

  it("draws the data as they are when a mean lies outside the bounds", () => {
    expect(drawn("y", 150, [0, 100])).toMatchObject({ yAxis: { min: 145, max: 165 } });
    expect(drawn("y", 50, [0, 100])).toMatchObject({ yAxis: { min: 45, max: 65 } });
  });
});
