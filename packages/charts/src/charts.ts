import * as echarts from "echarts";
import { LRUCache } from "lru-cache";
import { cellColours, colourLookup, colourStops, divergingScale, sequentialScale } from "./colours";
import { PARETO_LABEL, paretoLabelShifts } from "./pareto-labels";
import {
  type ChartOption,
  type ChartSeries,
  type NamedCustomSeries,
  RENDERERS,
  registerRenderers,
} from "./renderers";

registerRenderers(echarts.registerCustomSeries);

/**
 * Renders an ECharts option to an SVG string without a browser (ECharts' server-side renderer), so the dashboard can
 * ship charts inside its HTML and `tailsweep report` can write them as files. The same option and size give the
 * same picture, so the last ones are kept: a dashboard draws an unchanged sweep's charts again on every view, and
 * drawing them was the largest share of the sweep page's server time (≈ 340 ms of CPU a render; docs/dashboard.md).
 */
export function renderSvg(option: echarts.EChartsOption | ChartOption, width = 760, height = 320): string {
  const key = optionKey(option, width, height);
  return key === undefined
    ? drawSvg(option, width, height)
    : recentSvgs.memo(key, { context: { option, width, height } });
}

type Drawing = { option: echarts.EChartsOption | ChartOption; width: number; height: number };

/** The last SVGs {@link renderSvg} drew, by option and size: at most 16 M characters of keys and SVG text together. */
const recentSvgs = new LRUCache<string, string, Drawing>({
  maxSize: 16_000_000,
  sizeCalculation: (svg, key) => svg.length + key.length,
  memoMethod: (_key, _stale, { context: d }) => drawSvg(d.option, d.width, d.height),
});

/**
 * An option and its size as one JSON text that tells apart everything ECharts does, or undefined when it cannot be
 * written so (then it is drawn every time): JSON drops functions and properties set to undefined, which ECharts
 * treats otherwise than absent ones (its defaults fill in only absent keys), writes NaN and ±Infinity alike as null,
 * and writes a Date, a Map or a typed array as something else. So undefined and non-finite numbers are spelled out,
 * and any object but a plain one or an array leaves the option uncached.
 */
function optionKey(option: unknown, width: number, height: number): string | undefined {
  let plain = true;
  const key = JSON.stringify(
    [width, height, option],
    function (this: Record<string, unknown>, name: string, value: unknown) {
      if (value === undefined) return { "<undefined>": true };
      if (typeof value === "number" && !Number.isFinite(value)) return { "<number>": String(value) };
      if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") {
        plain = false;
        return null; // the key is not used (and JSON.stringify throws on a bigint)
      }
      if (typeof value === "object" && value !== null) {
        const prototype = Object.getPrototypeOf(value);
        if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) plain = false;
      }
      // toJSON has run already (a Date arrives as its text): the holder's own value says what it was
      if (this[name] instanceof Date) plain = false;
      return value;
    },
  );
  return plain ? key : undefined;
}

function drawSvg(option: echarts.EChartsOption | ChartOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    const svg = chart.renderToSVGString();
    // A <title> names the chart for screen readers and for an SVG opened on its own.
    const title = (Array.isArray(option.title) ? option.title[0] : option.title)?.text;
    return title ? svg.replace(/^(<svg[^>]*>)/, `$1<title>${escapeXml(title)}</title>`) : svg;
  } finally {
    chart.dispose();
  }
}

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * Learning curves: one line per configuration (seed mean) with its 95 % t band (a stacked lower/width area pair) in
 * the line's colour. `colours` (configuration → colour, e.g. {@link seriesColours} of the configurations a page
 * shows) keeps a configuration's colour across charts; by default the configurations' natural order assigns them.
 * `bounds` clips the bands to the metric's range, as {@link whiskers} does: a t band of a share can leave [0, 100]
 * with few seeds, and would otherwise stretch the axis to a negative accuracy.
 */
export function curvesOption(
  metric: string,
  configs: readonly CurveConfig[],
  colours?: ReadonlyMap<string, string>,
  bounds: readonly [number, number] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
): ChartOption {
  const lowOf = (p: CurveConfig["points"][number]) => Math.max(bounds[0], p.ci[0]);
  const highOf = (p: CurveConfig["points"][number]) => Math.min(bounds[1], p.ci[1]);
  const colourOf = colourLookup(
    configs.map((c) => c.config),
    colours,
  );
  const series: ChartSeries[] = [];
  configs.forEach(({ config, points, partial }, i) => {
    const color = colourOf(config);
    const band = !partial && points.every((p) => Number.isFinite(p.ci[0]) && Number.isFinite(p.ci[1]));
    if (band) {
      series.push(
        {
          type: "line",
          stack: `band${i}`,
          data: points.map((p) => [p.epoch, lowOf(p)]),
          color,
          lineStyle: { opacity: 0 },
          symbol: "none",
          silent: true,
        },
        {
          type: "line",
          stack: `band${i}`,
          data: points.map((p) => [p.epoch, highOf(p) - lowOf(p)]),
          color,
          lineStyle: { opacity: 0 },
          areaStyle: { opacity: 0.15, color },
          symbol: "none",
          silent: true,
        },
      );
    }
    series.push({
      type: "line",
      name: config,
      data: points.map((p) => [p.epoch, p.mean]),
      color,
      symbolSize: 4,
      // a marker per epoch helps read a short curve; on long ones it is only weight
      showSymbol: points.length <= 20,
      ...(partial && { lineStyle: { type: "dashed" as const, opacity: 0.7 } }),
    });
  });
  return {
    title: { text: `${metric}: seed mean and 95% t band`, left: 0, textStyle: { fontSize: 13 } },
    legend: { top: 26, left: 0, type: "scroll" },
    grid: { top: 70, left: 60, right: 20, bottom: 40 },
    xAxis: { type: "value", name: "epoch", minInterval: 1 },
    yAxis: { type: "value", scale: true },
    series,
  };
}

/** One configuration's curve of {@link curvesOption}. */
export interface CurveConfig {
  config: string;
  points: readonly { epoch: number; mean: number; ci: readonly [number, number] }[];
  /** A partial curve (trials still running): dashed, without a band, apart from the finished one. */
  partial?: boolean;
}

/** {@link curvesOption} drawn to SVG. */
export function curvesSvg(
  metric: string,
  configs: readonly CurveConfig[],
  colours?: ReadonlyMap<string, string>,
  bounds?: readonly [number, number],
): string {
  return renderSvg(curvesOption(metric, configs, colours, bounds));
}

/**
 * One run's numbers over epochs, a line per series (a trial's loss terms, its test metrics): no bands, since there is
 * one seed; the y axis fits the data.
 */
export function epochLinesOption(options: EpochLinesOptions): ChartOption {
  const colourOf = colourLookup(options.series.map((s) => s.name));
  return {
    title: { text: options.title, left: 0, textStyle: { fontSize: 13 } },
    legend: { top: 26, left: 0, type: "scroll" },
    grid: { top: 70, left: 60, right: 20, bottom: 40 },
    xAxis: { type: "value", name: "epoch", minInterval: 1 },
    yAxis: { type: "value", scale: true, ...(options.yName && { name: options.yName }) },
    series: options.series.map(({ name, points }) => ({
      type: "line",
      name,
      data: points.filter(([, v]) => Number.isFinite(v)),
      color: colourOf(name),
      symbolSize: 4,
      showSymbol: points.length <= 20,
    })),
  };
}

/** What {@link epochLinesOption} draws. */
export interface EpochLinesOptions {
  title: string;
  series: { name: string; points: [epoch: number, value: number][] }[];
  yName?: string;
}

/** {@link epochLinesOption} drawn to SVG. */
export function epochLinesSvg(options: EpochLinesOptions): string {
  return renderSvg(epochLinesOption(options));
}

/** One series of {@link groupedBarsSvg} or {@link linesSvg}: a value per category and its interval (NaN: none). */
export interface BarSeries {
  name: string;
  mean: number[];
  ci: [number, number][];
}
export type LineSeries = BarSeries;

/**
 * Whiskers for a series' intervals, as a custom series drawn by {@link RENDERERS}.whiskers (ECharts has no error
 * bars of its own). `offset` × the category band moves each whisker from its category's centre to its bar's centre.
 * Intervals are clipped to [min, max] of the axis: a t interval of a share can leave [0, 100] with few seeds.
 */
function whiskers(
  name: string,
  ci: readonly (readonly [number, number])[],
  offset: number,
  clip: readonly [number, number],
): NamedCustomSeries {
  return {
    type: "custom",
    name,
    silent: true,
    data: ci.map(([lo, hi], c) => [c, Math.max(clip[0], lo), Math.min(clip[1], hi)]),
    renderItem: RENDERERS.whiskers,
    itemPayload: { offset },
    z: 10,
  };
}

const round1 = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(1)) : null);

/**
 * Grouped bars: one group per category, one bar per series (its mean) with its interval as a whisker. Values are
 * drawn as given (pass percentages for a 0–100 axis).
 */
export function groupedBarsOption(options: GroupedBarsOptions): ChartOption {
  const { title, categories, xName, yName = "%", yRange = [0, 100] } = options;
  const width = 0.8 / Math.max(1, options.series.length);
  const colourOf = colourLookup(
    options.series.map((s) => s.name),
    options.colours,
  );
  const series: ChartSeries[] = [];
  options.series.forEach(({ name, mean, ci }, i) => {
    // barGap 0: the bars of one category share 80 % of its band evenly, so each whisker can find its bar's centre
    series.push({ type: "bar", name, barGap: "0%", data: mean.map(round1), color: colourOf(name) });
    series.push(whiskers(name, ci, -0.4 + width * (i + 0.5), yRange));
  });
  return {
    title: { text: title, left: 0, textStyle: { fontSize: 13 } },
    legend: { top: 26, left: 0, type: "scroll", data: options.series.map((s) => s.name) },
    grid: { top: 70, left: 50, right: 20, bottom: 45 },
    xAxis: { type: "category", data: categories, name: xName, nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "value", min: yRange[0], max: yRange[1], name: yName },
    series,
  };
}

/** What {@link groupedBarsOption} draws, and the size {@link groupedBarsSvg} draws it at. */
export interface GroupedBarsOptions {
  title: string;
  categories: string[];
  series: BarSeries[];
  xName?: string;
  yName?: string;
  yRange?: [number, number];
  width?: number;
  height?: number;
  /** Series name → colour (see {@link curvesSvg}); by default the names' natural order assigns them. */
  colours?: ReadonlyMap<string, string>;
}

/** {@link groupedBarsOption} drawn to SVG, 760 × 340 unless told. */
export function groupedBarsSvg(options: GroupedBarsOptions): string {
  return renderSvg(groupedBarsOption(options), options.width ?? 760, options.height ?? 340);
}

/**
 * Per-class recall of a few configurations: grouped bars of the seed mean (as %) with 95 % t whiskers, minority
 * classes starred on the axis; `colours` as in {@link curvesSvg}.
 */
export function perClassOption(
  title: string,
  classes: number,
  minority: readonly number[],
  configs: readonly { config: string; mean: readonly number[]; ci: readonly (readonly [number, number])[] }[],
  colours?: ReadonlyMap<string, string>,
  axis: "class" | "rank" = "class",
): ChartOption {
  return groupedBarsOption(perClassBars(title, classes, minority, configs, colours, axis));
}

/** {@link perClassOption} drawn to SVG. */
export function perClassSvg(
  title: string,
  classes: number,
  minority: readonly number[],
  configs: readonly { config: string; mean: readonly number[]; ci: readonly (readonly [number, number])[] }[],
  colours?: ReadonlyMap<string, string>,
  axis: "class" | "rank" = "class",
): string {
  return groupedBarsSvg(perClassBars(title, classes, minority, configs, colours, axis));
}

/**
 * The name of per-class index `c`: the class itself, or with `axis: "rank"` (classes re-indexed by their rank in the
 * long tail, as when the class order is drawn per seed) `r1` for the head to `rK` for the tail.
 */
export function classLabel(c: number, axis: "class" | "rank" = "class"): string {
  return axis === "rank" ? `r${c + 1}` : `${c}`;
}

/** The per-class axis's categories: each class (or rank) by {@link classLabel}, starred for the minority. */
export function perClassCategories(
  classes: number,
  minority: readonly number[],
  axis: "class" | "rank" = "class",
): string[] {
  return Array.from(
    { length: classes },
    (_, c) => `${classLabel(c, axis)}${minority.includes(c) ? "*" : ""}`,
  );
}

/** The per-class axis's title. */
export function perClassAxisName(axis: "class" | "rank" = "class"): string {
  return axis === "rank" ? "rank in the long tail, head first (* minority)" : "class (* minority)";
}

function perClassBars(
  title: string,
  classes: number,
  minority: readonly number[],
  configs: readonly { config: string; mean: readonly number[]; ci: readonly (readonly [number, number])[] }[],
  colours?: ReadonlyMap<string, string>,
  axis: "class" | "rank" = "class",
): GroupedBarsOptions {
  return {
    title,
    ...(colours ? { colours } : {}),
    categories: perClassCategories(classes, minority, axis),
    xName: perClassAxisName(axis),
    series: configs.map(({ config, mean, ci }) => ({
      name: config,
      mean: mean.map((m) => 100 * m),
      ci: ci.map(([lo, hi]): [number, number] => [100 * lo, 100 * hi]),
    })),
  };
}

/**
 * Lines over ordered categories (e.g. settings of ρ and β), one per series, with each point's interval as a
 * whisker. Series are dodged sideways a little so that their whiskers do not hide each other; the y axis fits the
 * data.
 */
export function linesOption(options: LinesOptions): ChartOption {
  const colourOf = colourLookup(
    options.series.map((s) => s.name),
    options.colours,
  );
  const finite = options.series.flatMap((s) => s.ci.flat().concat(s.mean)).filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  const pad = (hi - lo) * 0.05 || 1;
  const range: [number, number] = [Math.floor(lo - pad), Math.ceil(hi + pad)];
  const k = options.series.length;
  const step = Math.min(0.08, 0.5 / Math.max(1, k));
  const series: ChartSeries[] = options.series.flatMap(({ name, mean, ci }, i): ChartSeries[] => {
    const dx = (i - (k - 1) / 2) * step;
    return [
      {
        type: "line",
        name,
        data: mean.map((m, c) => [c + dx, round1(m)]),
        color: colourOf(name),
        symbolSize: 5,
      },
      {
        ...whiskers(name, ci, 0, range),
        data: ci.map(([l, h], c) => [c + dx, Math.max(range[0], l), Math.min(range[1], h)]),
      },
    ];
  });
  const ticks = options.categories.map((_, c) => c);
  return {
    title: { text: options.title, left: 0, textStyle: { fontSize: 13 } },
    legend: { top: 26, left: 0, type: "scroll", data: options.series.map((s) => s.name) },
    grid: { top: 70, left: 50, right: 20, bottom: 45 },
    xAxis: [
      // a value axis, so that a series can sit a little off its category's centre
      {
        type: "value",
        min: -0.5,
        max: options.categories.length - 0.5,
        splitLine: { show: false },
        axisTick: { customValues: ticks },
        axisLabel: { show: false },
        name: options.xName,
        nameLocation: "middle",
        nameGap: 28,
      },
      // and the categories' names under it from a category axis over the same width (a band per category centred
      // on its integer), not a label formatter: a function would not survive the trip to the browser
      {
        type: "category",
        data: options.categories,
        position: "bottom",
        axisLine: { show: false },
        axisTick: { show: false },
        splitLine: { show: false },
        axisLabel: { fontSize: 10, interval: 0 },
      },
    ],
    yAxis: {
      type: "value",
      min: range[0],
      max: range[1],
      name: options.yName,
      axisLine: { onZero: false },
    },
    series,
  };
}

/** What {@link linesOption} draws, and the size {@link linesSvg} draws it at. */
export interface LinesOptions {
  title: string;
  categories: string[];
  series: LineSeries[];
  xName?: string;
  yName?: string;
  width?: number;
  height?: number;
  /** Series name → colour (see {@link curvesSvg}); by default the names' natural order assigns them. */
  colours?: ReadonlyMap<string, string>;
}

/** {@link linesOption} drawn to SVG, 860 × 340 unless told. */
export function linesSvg(options: LinesOptions): string {
  return renderSvg(linesOption(options), options.width ?? 860, options.height ?? 340);
}

/**
 * A heat map of one value per (x, y) cell, the value printed in each cell in black or white, whichever reads better
 * on it; null cells stay empty. `scale: "sequential"` (the default) colours a mean from its smallest to its largest
 * value (viridis); `"diverging"` colours a signed difference around zero (RdBu, domain [−m, m], blue = better, where
 * `higherIsBetter` says which sign is better: true by default). The legend shows the same scale.
 */
export function heatmapOption(options: HeatmapOptions): ChartOption {
  const digits = options.digits ?? 1;
  const cells = options.values.flatMap((row, yi) =>
    row.flatMap((v, xi) =>
      v === null || !Number.isFinite(v) ? [] : [{ xi, yi, v: Number(v.toFixed(digits)) }],
    ),
  );
  const vs = cells.map((c) => c.v);
  const { scale, domain } =
    options.scale === "diverging"
      ? divergingScale(
          vs,
          options.higherIsBetter === undefined ? {} : { higherIsBetter: options.higherIsBetter },
        )
      : sequentialScale(vs);
  // each cell is coloured by the d3 scale itself; the visualMap only draws the legend (it maps no series)
  // the cell's text rides along as a fourth value, printed by a template: a formatter function would not survive JSON
  const data = cells.map(({ xi, yi, v }) => {
    const { background, color } = cellColours(scale, v);
    return { value: [xi, yi, v, v.toFixed(digits)], itemStyle: { color: background }, label: { color } };
  });
  return {
    title: { text: options.title, left: 0, textStyle: { fontSize: 13 } },
    grid: { top: 40, left: 70, right: 90, bottom: 50 },
    xAxis: { type: "category", data: options.x, name: options.xName, nameLocation: "middle", nameGap: 30 },
    yAxis: { type: "category", data: options.y, name: options.yName, nameLocation: "middle", nameGap: 45 },
    visualMap: {
      min: domain[0],
      max: domain[1] > domain[0] ? domain[1] : domain[0] + 1,
      calculable: false,
      // the scale's ends, the upper first (ECharts' order)
      text: [domain[1], domain[0]].map(
        (v) => (options.scale === "diverging" && v > 0 ? "+" : "") + v.toFixed(digits),
      ),
      textGap: 6,
      orient: "vertical",
      right: 0,
      top: "middle",
      inRange: { color: colourStops(scale, domain) },
    },
    series: [
      {
        type: "heatmap",
        data,
        // every cell with the same number of decimals (10.0 beside 55.4, not 10)
        label: { show: true, fontSize: 11, formatter: "{@[3]}" },
      },
    ],
  };
}

/** What {@link heatmapOption} draws. */
export interface HeatmapOptions {
  title: string;
  x: string[];
  y: string[];
  /** values[yIndex][xIndex]. */
  values: (number | null)[][];
  xName?: string;
  yName?: string;
  digits?: number;
  scale?: "sequential" | "diverging";
  higherIsBetter?: boolean;
}

/** {@link heatmapOption} drawn to SVG, sized to its cells. */
export function heatmapSvg(options: HeatmapOptions): string {
  return renderSvg(
    heatmapOption(options),
    Math.max(420, 90 * options.x.length + 200),
    Math.max(240, 40 * options.y.length + 110),
  );
}

/** One axis of {@link parallelCoordinatesSvg}: a knob's values as categories (in order) or on a linear or log line. */
export interface ParallelAxis {
  name: string;
  scale: "category" | "linear" | "log";
  /** The category axis' values, in order (default: as they first appear in the lines). */
  categories?: readonly string[];
}

/** One line of {@link parallelCoordinatesSvg}: its value on each axis, the value it is coloured by, and its hover text. */
export interface ParallelLine {
  /** One per axis: a category's text or a number. */
  values: readonly (string | number)[];
  /** The last axis' value (e.g. a configuration's mean, in display units): it sets the line's colour too. */
  value: number;
  /** What hovering the line shows (an SVG <title>): e.g. the configuration, its mean and interval. */
  title: string;
}

/**
 * Parallel coordinates (ECharts' `parallel` series): an axis per knob and a last one for `valueName`, one line per
 * configuration across them, coloured by its value on the sequential scale (viridis, legend on the right). The SVG is
 * static, so each line carries its `title` as an SVG <title>, which browsers show on hover: the dashboard ships no
 * chart library to make a tooltip.
 */
export function parallelCoordinatesOption(options: ParallelOptions): ChartOption {
  const digits = options.digits ?? 1;
  const { scale, domain } = sequentialScale(options.lines.map((l) => l.value));
  const categoriesOf = (axis: ParallelAxis, i: number) =>
    axis.categories ? [...axis.categories] : [...new Set(options.lines.map((l) => String(l.values[i])))];
  return {
    title: { text: options.title, left: 0, textStyle: { fontSize: 13 } },
    parallel: { top: 70, left: 70, right: 150, bottom: 30 },
    parallelAxis: [
      ...options.axes.map((axis, i) =>
        axis.scale === "category"
          ? { dim: i, name: axis.name, type: "category" as const, data: categoriesOf(axis, i) }
          : {
              dim: i,
              name: axis.name,
              type: axis.scale === "log" ? ("log" as const) : ("value" as const),
              scale: true,
            },
      ),
      { dim: options.axes.length, name: options.valueName, type: "value" as const, scale: true },
    ],
    visualMap: {
      // the legend only: each line is coloured by the d3 scale itself
      seriesIndex: [],
      min: domain[0],
      max: domain[1] > domain[0] ? domain[1] : domain[0] + 1,
      calculable: false,
      text: [domain[1], domain[0]].map((v) => v.toFixed(digits)),
      textGap: 6,
      orient: "vertical",
      right: 10,
      top: "middle",
      inRange: { color: colourStops(scale, domain) },
    },
    series: [
      {
        type: "parallel",
        lineStyle: { width: 2, opacity: 0.85 },
        data: options.lines.map((line) => ({
          value: [
            ...line.values.map((v, i) => (options.axes[i]!.scale === "category" ? String(v) : v)),
            line.value,
          ],
          // what a tooltip shows in the browser (the SVG carries it as a <title>)
          name: line.title,
          lineStyle: { color: cellColours(scale, line.value).background },
        })),
      },
    ],
  };
}

/** What {@link parallelCoordinatesOption} draws, and the size {@link parallelCoordinatesSvg} draws it at. */
export interface ParallelOptions {
  title: string;
  axes: readonly ParallelAxis[];
  valueName: string;
  lines: readonly ParallelLine[];
  digits?: number;
  width?: number;
  height?: number;
}

/** The width {@link parallelCoordinatesSvg} draws at: room for each axis and the legend. */
export const parallelWidth = (options: ParallelOptions) =>
  options.width ?? Math.max(560, 150 * (options.axes.length + 1) + 120);

/** {@link parallelCoordinatesOption} drawn to SVG, each line with its `title` as an SVG <title> for hover. */
export function parallelCoordinatesSvg(options: ParallelOptions): string {
  const svg = renderSvg(parallelCoordinatesOption(options), parallelWidth(options), options.height ?? 340);
  // ECharts' SSR marks each data element with its series and index: the line's hover text goes inside it
  return svg.replace(
    /(<polyline\b[^>]*\becmeta_series_index="0" ecmeta_data_index="(\d+)"[^>]*>)(<\/polyline>)/g,
    (whole, open: string, index: string, close: string) => {
      const line = options.lines[Number(index)];
      return line ? `${open}<title>${escapeXml(line.title)}</title>${close}` : whole;
    },
  );
}

/** One point of {@link paretoSvg}: a configuration's means on the two objectives, their intervals, and its standing. */
export interface ParetoPoint {
  label: string;
  x: number;
  y: number;
  /** The intervals of x and y (NaN ends: no whisker, e.g. one seed). */
  xCi: [number, number];
  yCi: [number, number];
  /** On the front by means; dominated with a backed claim; or dominated by means only (not separable). */
  status: "front" | "dominated" | "not separable";
  /** What hovering the point shows (an SVG <title>). */
  title: string;
}

/** The standings in the order the chart lists them (a scatter series each). */
const PARETO_STATUSES = ["front", "not separable", "dominated"] as const;

/** The Pareto chart's plot area inside its size (room under the legend for the y axis's name). */
const PARETO_GRID = { top: 88, left: 60, right: 40, bottom: 50 };
/** The size {@link paretoSvg} draws at unless told, and the dashboard's live chart starts at. */
export const PARETO_SIZE = { width: 760, height: 420 };

/** How {@link paretoSvg} draws each standing: the front filled, the rest hollow, "not separable" in amber. */
const PARETO_STYLE = {
  front: { color: "#1f77b4", name: "on the front" },
  "not separable": { color: "#c77c02", name: "dominated by means, not separable" },
  dominated: { color: "#888888", name: "dominated" },
} as const;

/**
 * The staircase through the front's points, sorted by x: between two neighbours it turns at the corner that is worse
 * on both objectives (for maximise × maximise, the smaller x and the smaller y), the edge of the region the front
 * dominates.
 */
export function frontSteps(
  points: readonly { x: number; y: number }[],
  directions: readonly ["maximize" | "minimize", "maximize" | "minimize"],
): [number, number][] {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  const worse = (a: number, b: number, d: "maximize" | "minimize") =>
    d === "maximize" ? Math.min(a, b) : Math.max(a, b);
  const out: [number, number][] = [];
  sorted.forEach((p, i) => {
    const prev = sorted[i - 1];
    if (prev) out.push([worse(prev.x, p.x, directions[0]), worse(prev.y, p.y, directions[1])]);
    out.push([p.x, p.y]);
  });
  return out;
}

/**
 * A Pareto front over two objectives: each configuration at its two means with both intervals as whiskers, labelled,
 * the front's members filled and joined by its staircase ({@link frontSteps}), the others hollow (amber where the
 * seeds cannot tell them from the front). Values are drawn as given (pass percentages for shares, with `bounds`
 * [0, 100] to keep the whiskers and axes inside); the axes fit the data and say which way is better. Each point carries its `title` as an SVG <title> for hover.
 */
export function paretoOption(options: ParetoOptions): ChartOption {
  const { directions } = options;
  // bounds that a mean lies outside are not the metrics' range after all: the data are drawn as they are
  const inside = (v: number, [lo, hi]: readonly [number, number]) =>
    !Number.isFinite(v) || (v >= lo && v <= hi);
  const bounds = options.bounds;
  const [lowest, highest] =
    bounds && options.points.every((p) => inside(p.x, bounds) && inside(p.y, bounds))
      ? bounds
      : [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const clip = (v: number, [lo, hi]: readonly [number, number]) =>
    Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : v;
  const metricRange = [lowest, highest] as const;
  const points = options.points.map(
    (p): ParetoPoint => ({
      ...p,
      xCi: [clip(p.xCi[0], metricRange), clip(p.xCi[1], metricRange)],
      yCi: [clip(p.yCi[0], metricRange), clip(p.yCi[1], metricRange)],
    }),
  );
  const range = (values: number[]): [number, number] => {
    const finite = values.filter(Number.isFinite);
    const lo = finite.length ? Math.min(...finite) : 0;
    const hi = finite.length ? Math.max(...finite) : 1;
    const pad = (hi - lo) * 0.08 || 1;
    return [Math.max(lowest, Math.floor(lo - pad)), Math.min(highest, Math.ceil(hi + pad))];
  };
  const xRange = range(points.flatMap((p) => [p.x, ...p.xCi]));
  const yRange = range(points.flatMap((p) => [p.y, ...p.yCi]));
  const statuses = PARETO_STATUSES.filter((s) => points.some((p) => p.status === s));
  const width = options.width ?? PARETO_SIZE.width;
  const height = options.height ?? PARETO_SIZE.height;
  const labelShifts = paretoLabelShifts(
    points.map((p) => ({
      x:
        PARETO_GRID.left +
        ((p.x - xRange[0]) / (xRange[1] - xRange[0])) * (width - PARETO_GRID.left - PARETO_GRID.right),
      y:
        PARETO_GRID.top +
        ((yRange[1] - p.y) / (yRange[1] - yRange[0])) * (height - PARETO_GRID.top - PARETO_GRID.bottom),
      text: p.label,
    })),
  );
  const series: ChartSeries[] = [
    {
      type: "line",
      name: "front (by means)",
      data: frontSteps(
        points.filter((p) => p.status === "front"),
        directions,
      ),
      color: PARETO_STYLE.front.color,
      lineStyle: { width: 1.5, type: "dashed" },
      symbol: "none",
      silent: true,
    },
    {
      type: "custom",
      name: "95% t intervals",
      silent: true,
      data: points.map((p) => [
        p.x,
        p.y,
        clip(p.xCi[0], xRange),
        clip(p.xCi[1], xRange),
        clip(p.yCi[0], yRange),
        clip(p.yCi[1], yRange),
      ]),
      renderItem: RENDERERS.xyWhiskers,
      z: 1,
    },
    ...statuses.map(
      (status): ChartSeries => ({
        type: "scatter",
        name: PARETO_STYLE[status].name,
        color: PARETO_STYLE[status].color,
        symbolSize: 9,
        itemStyle:
          status === "front"
            ? { color: PARETO_STYLE[status].color }
            : { color: "#fff", borderColor: PARETO_STYLE[status].color, borderWidth: 2 },
        label: {
          show: true,
          position: "right",
          fontSize: PARETO_LABEL.fontSize,
          color: "#222",
          formatter: "{@[2]}",
        },
        // the point's hover text rides along as a fourth value, for the browser's tooltip; a label moved off its
        // neighbour's carries its offset
        data: points.flatMap((p, i) => {
          if (p.status !== status) return [];
          const value = [p.x, p.y, p.label, p.title];
          const dy = labelShifts[i] ?? 0;
          return [dy === 0 ? value : { value, label: { offset: [0, dy] } }];
        }),
        z: 5,
      }),
    ),
  ];
  const way = (d: "maximize" | "minimize", axis: "x" | "y") =>
    d === "maximize" ? (axis === "x" ? "→ better" : "↑ better") : axis === "x" ? "← better" : "↓ better";
  return {
    title: { text: options.title, left: 0, textStyle: { fontSize: 13 } },
    legend: { top: 26, left: 0, data: ["front (by means)", ...statuses.map((s) => PARETO_STYLE[s].name)] },
    // room under the legend for the y axis's name
    grid: PARETO_GRID,
    xAxis: {
      type: "value",
      min: xRange[0],
      max: xRange[1],
      name: `${options.xName} (${way(directions[0], "x")})`,
      nameLocation: "middle",
      nameGap: 28,
    },
    yAxis: {
      type: "value",
      min: yRange[0],
      max: yRange[1],
      name: `${options.yName} (${way(directions[1], "y")})`,
      // from the axis rightwards: centred on it, a long name reached past the chart's left edge, and ECharts then
      // moved the plot right to make room, off the grid paretoLabelShifts places the labels on
      nameTextStyle: { align: "left" },
      axisLine: { onZero: false },
    },
    series,
  };
}

/** What {@link paretoOption} draws, and the size {@link paretoSvg} draws it at. */
export interface ParetoOptions {
  title: string;
  xName: string;
  yName: string;
  directions: readonly ["maximize" | "minimize", "maximize" | "minimize"];
  points: readonly ParetoPoint[];
  /**
   * The metrics' range, both axes (e.g. [0, 100] for shares in percent): the whiskers are clipped to it, as
   * {@link whiskers} and {@link curvesOption}'s bands are, so a t interval of a share on two seeds does not stretch the
   * axes to a recall of −131 %. Unbounded by default.
   */
  bounds?: readonly [number, number];
  width?: number;
  height?: number;
}

/** {@link paretoOption} drawn to SVG, each point with its `title` as an SVG <title> for hover. */
export function paretoSvg(options: ParetoOptions): string {
  const { points } = options;
  const statuses = PARETO_STATUSES.filter((s) => points.some((p) => p.status === s));
  const svg = renderSvg(
    paretoOption(options),
    options.width ?? PARETO_SIZE.width,
    options.height ?? PARETO_SIZE.height,
  );
  // ECharts' SSR marks each symbol with its series and data index: the point's hover text goes inside it
  const bySeries = statuses.map((s) => points.filter((p) => p.status === s));
  return svg.replace(
    /(<path\b[^>]*\becmeta_series_index="(\d+)" ecmeta_data_index="(\d+)" ecmeta_ssr_type="chart"[^>]*>)(<\/path>)/g,
    (whole, open: string, series: string, index: string, close: string) => {
      // series 0 and 1 are the staircase and the whiskers; the scatter series follow, one per standing
      const point = bySeries[Number(series) - 2]?.[Number(index)];
      return point ? `${open}<title>${escapeXml(point.title)}</title>${close}` : whole;
    },
  );
}
