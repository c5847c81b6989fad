import { rgb } from "d3-color";
import { scaleDiverging, scaleSequential } from "d3-scale";
import { interpolateRdBu, interpolateViridis, schemeTableau10 } from "d3-scale-chromatic";

/**
 * The colour scales of every chart, the report's SVGs and the dashboard's tables alike, from d3-scale-chromatic's
 * colour-blind-safe schemes through d3-scale, as their maintainers pair them:
 * - a mean (or any one-signed quantity) on a sequential scale, viridis (perceptually uniform, readable in grey);
 * - a signed difference (Δ vs a baseline) on a diverging scale, RdBu, centred on zero with a symmetric domain, so
 *   that white is "no difference" and equal distances from zero are equally strong; blue is better, red worse;
 * - a configuration's (or method's) own colour, Tableau 10, given by a stable order of the names shown, so a
 *   configuration keeps its colour in the curves, the bars and the report.
 * Text on a coloured cell is black or white, whichever contrasts more with it (WCAG relative luminance).
 * This module loads no chart library: the dashboard imports it on its own (`@tailsweep/charts/colours`).
 */

/** A value's cell colour and the text colour that reads on it. */
export interface CellColours {
  background: string;
  color: string;
}

/** Colour of a value: a d3 scale's output as a CSS colour. */
export type ColourScale = (value: number) => string;

/** The categorical palette, in order. */
export const SERIES_PALETTE: readonly string[] = schemeTableau10;

/** Colours along a scale's domain, evenly spaced, for a gradient legend (ECharts' visualMap). */
export function colourStops(scale: ColourScale, domain: readonly [number, number], stops = 11): string[] {
  return Array.from({ length: stops }, (_, i) =>
    scale(domain[0] + ((domain[1] - domain[0]) * i) / (stops - 1)),
  );
}

/**
 * Sequential scale (viridis) from the smallest to the largest finite value given; all alike (or none) take its
 * middle colour.
 */
export function sequentialScale(values: Iterable<number>): { scale: ColourScale; domain: [number, number] } {
  const finite = [...values].filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  if (!(hi > lo)) {
    const middle = interpolateViridis(0.5);
    return { scale: () => middle, domain: [lo, hi] };
  }
  const scale = scaleSequential(interpolateViridis).domain([lo, hi]).clamp(true);
  return { scale: (v) => scale(v), domain: [lo, hi] };
}

/**
 * Diverging scale (RdBu) centred on zero for signed differences: its domain is [−m, m] with m the largest |value|
 * given (at least `minExtent`, so that noise around zero stays pale), zero is white, and better is blue: positive
 * values where higher is better (the default), negative ones where lower is.
 */
export function divergingScale(
  values: Iterable<number>,
  options: { higherIsBetter?: boolean; minExtent?: number } = {},
): { scale: ColourScale; domain: [number, number] } {
  const finite = [...values].filter(Number.isFinite);
  const extent = Math.max(options.minExtent ?? 0, ...finite.map(Math.abs));
  if (!(extent > 0)) {
    const white = interpolateRdBu(0.5);
    return { scale: () => white, domain: [0, 0] };
  }
  // RdBu runs red (0) → white (0.5) → blue (1); a reversed domain puts blue on the negative side
  const sign = options.higherIsBetter === false ? -1 : 1;
  const scale = scaleDiverging(interpolateRdBu)
    .domain([-sign * extent, 0, sign * extent])
    .clamp(true);
  return { scale: (v) => scale(v), domain: [-extent, extent] };
}

/** WCAG 2 relative luminance of a CSS colour. */
export function relativeLuminance(colour: string): number {
  const { r, g, b } = rgb(colour);
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG 2 contrast ratio of two colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever contrasts more with `background`. */
export function textColourOn(background: string): "#000000" | "#ffffff" {
  return contrastRatio(background, "#000000") >= contrastRatio(background, "#ffffff") ? "#000000" : "#ffffff";
}

/** A value's cell background on `scale` and the text colour that reads on it. */
export function cellColours(scale: ColourScale, value: number): CellColours {
  const background = rgb(scale(value)).formatHex();
  return { background, color: textColourOn(background) };
}

const naturalOrder = new Intl.Collator("en", { numeric: true }).compare;

/**
 * A colour per name (a configuration's label, a method): the distinct names in natural order (`nu=5` before
 * `nu=10`) take the palette's colours in turn. Pass the same names to every chart that shows them, whatever each
 * draws of them, and each keeps one colour; over ten names the palette repeats.
 */
export function seriesColours(names: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(names)].sort(naturalOrder);
  return new Map(sorted.map((name, i) => [name, SERIES_PALETTE[i % SERIES_PALETTE.length]!]));
}

/**
 * The colour of each of a chart's series: from `colours` where it names them, the rest from the chart's own names
 * (in natural order, skipping the colours already taken where the palette allows).
 */
export function colourLookup(
  names: readonly string[],
  colours?: ReadonlyMap<string, string>,
): (name: string) => string {
  const given = new Map<string, string>();
  for (const name of names) {
    const colour = colours?.get(name);
    if (colour) given.set(name, colour);
  }
  const free = SERIES_PALETTE.filter((c) => ![...given.values()].includes(c));
  const rest = [...new Set(names.filter((n) => !given.has(n)))].sort(naturalOrder);
  const palette = free.length > 0 ? free : SERIES_PALETTE;
  for (const [i, name] of rest.entries()) given.set(name, palette[i % palette.length]!);
  return (name) => given.get(name) ?? SERIES_PALETTE[0]!;
}
