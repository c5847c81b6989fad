import { interpolateRdBu, interpolateViridis, schemeTableau10 } from "d3-scale-chromatic";
import { describe, expect, it } from "vitest";
import { curvesSvg, heatmapSvg, perClassSvg } from "./charts";
import {
  cellColours,
  contrastRatio,
  divergingScale,
  SERIES_PALETTE,
  sequentialScale,
  seriesColours,
  textColourOn,
} from "./colours";

/** Each heat-map cell of an SVG: its value (the label's text), the cell's fill and the label's fill. */
function heatCells(svg: string): { value: string; fill: string; text: string }[] {
  const rects = [
    ...svg.matchAll(/<path d="M([\d.]+) ([\d.]+)l([\d.]+) 0l0 ([\d.]+)[^"]*" fill="(#[0-9a-f]{6})"/g),
  ];
  const labels = [
    ...svg.matchAll(/font-size:11px;[^>]*translate\(([\d.]+) ([\d.]+)\)" fill="(#[0-9a-f]{6})">([^<]+)</g),
  ];
  return labels.map((l) => {
    const [x, y] = [Number(l[1]), Number(l[2])];
    const rect = rects.find((r) => {
      const [rx, ry, w, h] = [1, 2, 3, 4].map((i) => Number(r[i]));
      return x > rx! && x < rx! + w! && y > ry! && y < ry! + h!;
    });
    return { value: l[4]!, fill: rect?.[5] ?? "none", text: l[3]! };
  });
}

const hex = (colour: string) => cellColours(() => colour, 0).background;

describe("colour scales", () => {
  it("colours a mean on viridis from its smallest to its largest value", () => {
    const { scale, domain } = sequentialScale([50, 10, Number.NaN, 30]);
    expect(domain).toEqual([10, 50]);
    expect(hex(scale(10))).toBe(hex(interpolateViridis(0)));
    expect(hex(scale(30))).toBe(hex(interpolateViridis(0.5)));
    expect(hex(scale(50))).toBe(hex(interpolateViridis(1)));
    // one value (or all alike): the middle colour, not a division by zero
    expect(hex(sequentialScale([7, 7]).scale(7))).toBe(hex(interpolateViridis(0.5)));
  });

  it("centres a signed difference on white with a symmetric domain, blue for better", () => {
    const { scale, domain } = divergingScale([-1, 0.5, 4]);
    expect(domain).toEqual([-4, 4]);
    expect(hex(scale(0))).toBe(hex(interpolateRdBu(0.5)));
    expect(hex(scale(4))).toBe(hex(interpolateRdBu(1))); // dark blue
    expect(hex(scale(-4))).toBe(hex(interpolateRdBu(0))); // dark red
    // equally far from zero, equally strong: −1 is as red as +1 is blue
    expect(hex(scale(-1))).toBe(hex(interpolateRdBu(0.375)));
    expect(hex(scale(1))).toBe(hex(interpolateRdBu(0.625)));
    // where lower is better (a loss), a negative difference is the blue one
    const lower = divergingScale([-1, 0.5, 4], { higherIsBetter: false });
    expect(lower.domain).toEqual([-4, 4]);
    expect(hex(lower.scale(-4))).toBe(hex(interpolateRdBu(1)));
    // a floor on the extent keeps tiny differences pale; no differences at all are white
    expect(hex(divergingScale([0.1], { minExtent: 10 }).scale(0.1))).toBe(hex(interpolateRdBu(0.505)));
    expect(divergingScale([0, 0]).domain).toEqual([0, 0]);
    expect(hex(divergingScale([]).scale(0))).toBe(hex(interpolateRdBu(0.5)));
  });

  it("writes black or white on a cell, whichever contrasts more, and that is legible on every colour used", () => {
    expect(textColourOn("#440154")).toBe("#ffffff"); // viridis' dark end
    expect(textColourOn("#fde725")).toBe("#000000"); // its yellow end
    expect(textColourOn(interpolateRdBu(0))).toBe("#ffffff");
    expect(textColourOn(interpolateRdBu(0.5))).toBe("#000000");
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    // the worse of the two choices is never taken, and the better one passes WCAG AA (4.5 : 1) across both scales
    for (const interpolate of [interpolateViridis, interpolateRdBu]) {
      for (let i = 0; i <= 100; i++) {
        const { background, color } = cellColours(() => interpolate(i / 100), 0);
        const other = color === "#000000" ? "#ffffff" : "#000000";
        expect(contrastRatio(background, color)).toBeGreaterThanOrEqual(contrastRatio(background, other));
        expect(contrastRatio(background, color)).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it("gives each configuration one Tableau 10 colour by natural order, whatever order or subset a chart has", () => {
    expect(SERIES_PALETTE).toEqual(schemeTableau10);
    const colours = seriesColours(["nu=10", "nu=5", "baseline", "nu=5"]);
    expect([...colours.keys()]).toEqual(["baseline", "nu=5", "nu=10"]);
    expect([...colours.values()]).toEqual(schemeTableau10.slice(0, 3));
    expect(seriesColours(["nu=5", "baseline", "nu=10"])).toEqual(colours);
  });
});

describe("charts in those colours", () => {
  it("colours heat-map cells by the d3 scale and their numbers black or white by the cell", () => {
    const svg = heatmapSvg({
      title: "mean",
      x: ["a", "b", "c"],
      y: ["1", "2"],
      values: [
        [10, 20, 30],
        [40, 50, null],
      ],
    });
    const { scale } = sequentialScale([10, 20, 30, 40, 50]);
    const cells = heatCells(svg);
    expect(cells.map((c) => c.value).sort()).toEqual(["10.0", "20.0", "30.0", "40.0", "50.0"]);
    for (const cell of cells) {
      const { background, color } = cellColours(scale, Number(cell.value));
      expect([cell.fill, cell.text]).toEqual([background, color]);
    }
    expect(cells.find((c) => c.value === "10.0")!.text).toBe("#ffffff");
    expect(cells.find((c) => c.value === "50.0")!.text).toBe("#000000");
  });

  it("draws a signed difference on the diverging scale, white at zero, with ± ends in its legend", () => {
    const svg = heatmapSvg({
      title: "Δ vs baseline",
      x: ["a", "b"],
      y: ["1", "2"],
      values: [
        [-2, 0],
        [1, 0.5],
      ],
      scale: "diverging",
    });
    const cells = heatCells(svg);
    const fill = (v: string) => cells.find((c) => c.value === v)!.fill;
    expect(fill("0.0")).toBe(hex(interpolateRdBu(0.5)));
    expect(fill("-2.0")).toBe(hex(interpolateRdBu(0)));
    expect(fill("1.0")).toBe(hex(interpolateRdBu(0.75)));
    expect(svg).toContain(">+2.0<");
    expect(svg).toContain(">-2.0<");
    const lower = heatCells(
      heatmapSvg({
        title: "Δ loss",
        x: ["a"],
        y: ["1"],
        values: [[-2]],
        scale: "diverging",
        higherIsBetter: false,
      }),
    );
    expect(lower[0]!.fill).toBe(hex(interpolateRdBu(1)));
  });

  it("keeps a configuration's colour in the curves and the bars when they share one colour map", () => {
    const colours = seriesColours(["base", "nu=5", "nu=10"]);
    const points = [
      { epoch: 1, mean: 0.5, ci: [0.4, 0.6] as [number, number] },
      { epoch: 2, mean: 0.6, ci: [0.5, 0.7] as [number, number] },
    ];
    // the curves draw nu=10 first, the bars draw nu=10 alone
    const curves = curvesSvg(
      "accuracy",
      [
        { config: "nu=10", points },
        { config: "base", points },
      ],
      colours,
    );
    const bars = perClassSvg(
      "recall",
      2,
      [1],
      [
        {
          config: "nu=10",
          mean: [0.5, 0.4],
          ci: [
            [0.4, 0.6],
            [0.3, 0.5],
          ],
        },
      ],
      colours,
    );
    const nu10 = colours.get("nu=10")!;
    expect(nu10).toBe(schemeTableau10[2]);
    expect(curves).toContain(`stroke="${nu10}"`);
    expect(curves).toContain(`fill="${nu10}" fill-opacity="0.15"`); // its band
    expect(curves).toContain(`stroke="${colours.get("base")}"`);
    expect(curves).not.toContain(`"${colours.get("nu=5")}"`);
    expect(bars).toContain(`fill="${nu10}"`);
    expect(bars).not.toContain(`"${schemeTableau10[0]}"`);
    // without a map a chart still colours by natural order, not by the order it was given
    const alone = curvesSvg("accuracy", [
      { config: "nu=10", points },
      { config: "base", points },
    ]);
    expect(alone).toContain(`stroke="${schemeTableau10[0]}"`);
  });
});
