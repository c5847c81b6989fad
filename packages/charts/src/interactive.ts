import type {
  DefaultLabelFormatterCallbackParams as CallbackDataParams,
  EChartsOption,
  TooltipComponentFormatterCallbackParams as TopLevelFormatterParams,
  YAXisComponentOption as YAXisOption,
} from "echarts";
import { paretoLabelShifts } from "./pareto-labels";
import type { ChartOption, ChartSeries } from "./renderers";

/**
 * What the browser's chart adds to a chart's option (issue #20): a tooltip with the tables' units, zoom where a
 * chart has a long x axis, a scrolling legend whose entries toggle their series, and the y axis' log scale. Functions
 * live here, not in the option: the option is plain JSON from the server, this runs in the browser. No ECharts code
 * is imported, so the page can load this before the library.
 */
export type ChartKind = "curves" | "pareto" | "parallel" | "bars";

/** How a chart's values print: "%" as the tables print shares (one decimal), else four significant digits. */
export type ValueUnit = "%" | "";

export function formatValue(v: unknown, unit: ValueUnit): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  return unit === "%" ? `${v.toFixed(1)} %` : Number(v.toPrecision(4)).toString();
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const asList = (p: TopLevelFormatterParams): CallbackDataParams[] => (Array.isArray(p) ? p : [p]);
const at = (value: CallbackDataParams["value"], i: number): unknown =>
  Array.isArray(value) ? value[i] : value;
const marker = (p: CallbackDataParams) => (typeof p.marker === "string" ? p.marker : "");

/** The named series a legend lists and a tooltip shows: not the curves' bands nor the whiskers (they are silent). */
function shownNames(option: ChartOption): Set<string> {
  return new Set(
    (option.series ?? []).flatMap((s) => (s.name !== undefined && !s.silent ? [String(s.name)] : [])),
  );
}

/** A series' interval at a data index, from the whiskers drawn for it (same name): [x, low, high]. */
function intervalOf(
  option: ChartOption,
  name: string | undefined,
  index: number,
): [unknown, unknown] | undefined {
  const whiskers = (option.series ?? []).find((s) => s.type === "custom" && s.name === name);
  const row = Array.isArray(whiskers?.data) ? whiskers.data[index] : undefined;
  return Array.isArray(row) ? [row[1], row[2]] : undefined;
}

function tooltipOf(kind: ChartKind, option: ChartOption, unit: ValueUnit): EChartsOption["tooltip"] {
  const shown = shownNames(option);
  const line = (p: CallbackDataParams, value: unknown, extra = "") =>
    `${marker(p)}${escapeHtml(p.seriesName ?? "")}: <b>${formatValue(value, unit)}</b>${extra}`;
  switch (kind) {
    case "curves":
      return {
        trigger: "axis",
        axisPointer: { type: "line" },
        confine: true,
        formatter: (params) => {
          const rows = asList(params).filter((p) => shown.has(p.seriesName ?? ""));
          const epoch = rows[0] ? at(rows[0].value, 0) : undefined;
          return [`epoch ${String(epoch)}`, ...rows.map((p) => line(p, at(p.value, 1)))].join("<br>");
        },
      };
    case "bars":
      return {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        formatter: (params) => {
          const rows = asList(params).filter((p) => p.seriesType === "bar");
          const head = rows[0] ? escapeHtml(rows[0].name) : "";
          return [
            `class ${head}`,
            ...rows.map((p) => {
              const ci = intervalOf(option, p.seriesName, p.dataIndex);
              const shownCi = ci?.every((v) => typeof v === "number" && Number.isFinite(v))
                ? ` [${formatValue(ci[0], unit)}, ${formatValue(ci[1], unit)}]`
                : "";
              return line(p, p.value, shownCi);
            }),
          ].join("<br>");
        },
      };
    case "pareto":
      return {
        trigger: "item",
        confine: true,
        // the point's own text: its configuration, standing, means and intervals, as the table prints them
        formatter: (params) => {
          const p = asList(params)[0];
          const title = p ? at(p.value, 3) : undefined;
          return typeof title === "string" ? escapeHtml(title) : "";
        },
      };
    case "parallel":
      return {
        trigger: "item",
        confine: true,
        formatter: (params) => escapeHtml(asList(params)[0]?.name ?? ""),
      };
  }
}

/** The y values of a chart's series (custom whiskers included), for whether a log axis can show them. */
function yValues(series: readonly ChartSeries[]): unknown[] {
  return series.flatMap((s) => {
    const data = Array.isArray(s.data) ? s.data : [];
    const dims = s.type === "custom" ? (s.renderItem === "tailsweep-xy-whiskers" ? [1, 4, 5] : [1, 2]) : [1];
    return data.flatMap((d: unknown) => {
      const value = d && typeof d === "object" && !Array.isArray(d) && "value" in d ? d.value : d;
      return Array.isArray(value) ? dims.map((i) => value[i]) : [value];
    });
  });
}

/**
 * Whether the y axis can be log: a cartesian chart whose every finite y value is positive, the whiskers' too but not
 * the curves' bands (silent series): a t band of two seeds often reaches below 0, and on a log axis it is only cut
 * where it does, while the curves read on.
 */
export function canLogY(option: ChartOption): boolean {
  if (!option.yAxis || Array.isArray(option.yAxis)) return false;
  const drawn = (option.series ?? []).filter((s) => !s.silent || s.type === "custom");
  const finite = yValues(drawn).filter((v) => typeof v === "number" && Number.isFinite(v));
  return finite.length > 0 && finite.every((v) => typeof v === "number" && v > 0);
}

/**
 * The y axis on a log or linear scale: the option's own axis, on log without its fixed ends (they were chosen for a
 * linear axis and may be 0 or below). Meant for `setOption(…, { replaceMerge: ["yAxis"] })`.
 */
export function yAxisFor(option: ChartOption, log: boolean): YAXisOption | undefined {
  const axis = option.yAxis;
  if (!axis || Array.isArray(axis)) return undefined;
  if (!log) return axis;
  // the axis' name and where it sits; not its ends nor its "scale" (a log axis sets its own ends)
  return {
    type: "log",
    ...(axis.name !== undefined && { name: axis.name }),
    ...(axis.nameLocation !== undefined && { nameLocation: axis.nameLocation }),
    ...(axis.nameGap !== undefined && { nameGap: axis.nameGap }),
  };
}

/**
 * What the browser adds to a chart's option: the tooltip, zoom on x for curves (drag or wheel inside, a slider
 * under the grid), and a scrolling legend that shows each entry's full name.
 */
export function interactiveOption(kind: ChartKind, option: ChartOption, unit: ValueUnit): EChartsOption {
  const grid = option.grid && !Array.isArray(option.grid) ? option.grid : undefined;
  const zoom = kind === "curves";
  const bottom = typeof grid?.bottom === "number" ? grid.bottom : 40;
  return {
    // shown at once where the pointer is (no fade: a researcher reads values off many points in a row); a class
    // for the page's tests and benchmark to find it by
    tooltip: { ...tooltipOf(kind, option, unit), transitionDuration: 0, className: "chart-tooltip" },
    // the chart's own legend, scrolling: a merge that changed only its type would make a new legend, placed anew
    ...(option.legend &&
      !Array.isArray(option.legend) && {
        legend: { ...option.legend, type: "scroll", tooltip: { show: true } },
      }),
    ...(zoom && {
      dataZoom: [
        { type: "inside", xAxisIndex: 0, filterMode: "none" },
        { type: "slider", xAxisIndex: 0, filterMode: "none", height: 16, bottom: 6 },
      ],
      grid: { bottom: bottom + 28 },
    }),
  };
}

/**
 * One zoom component's window over the x axis, as a redraw keeps it: from an epoch (`startValue`) to an epoch
 * (`endValue`), or on to the axis' end (`end: 100`) where it reached the end, so a running sweep's new epochs come
 * into view; `start`/`end` in % where ECharts gave no values.
 */
export type ZoomWindow =
  | { startValue: number; endValue: number }
  | { startValue: number; end: 100 }
  | { start: number; end: number };

/** What a person set on a live chart that a redraw with new numbers keeps: the legend's choices and the zoom. */
export interface ChartView {
  legend?: { selected: Record<string, boolean> };
  dataZoom?: ZoomWindow[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** A zoom component's window, from ECharts' `getOption()` (which fills in both the % and the values after a draw). */
function windowOf(z: unknown): ZoomWindow | undefined {
  if (!isRecord(z) || typeof z.start !== "number" || typeof z.end !== "number") return undefined;
  if (typeof z.startValue !== "number") return { start: z.start, end: z.end };
  if (z.end >= 100) return { startValue: z.startValue, end: 100 };
  return typeof z.endValue === "number"
    ? { startValue: z.startValue, endValue: z.endValue }
    : { start: z.start, end: z.end };
}

/**
 * The view to carry over a redraw, read from the chart's option before it (ECharts' `getOption()`): `setOption` with
 * `notMerge` (a live refresh's new numbers) would otherwise show every series again and the whole x range. The zoom
 * is kept in epochs, not in % of the axis: a curve that grew by an epoch would move a window kept in % (ECharts'
 * `rangeMode`); one that reached the axis' end stays open to the new epochs.
 */
export function keptView(previous: unknown): ChartView {
  if (!isRecord(previous)) return {};
  const view: ChartView = {};
  const legend = Array.isArray(previous.legend) ? previous.legend[0] : undefined;
  if (isRecord(legend) && isRecord(legend.selected)) {
    const selected = Object.entries(legend.selected).filter(
      (e): e is [string, boolean] => typeof e[1] === "boolean",
    );
    if (selected.length > 0) view.legend = { selected: Object.fromEntries(selected) };
  }
  const zooms = Array.isArray(previous.dataZoom) ? previous.dataZoom : [];
  const zoomed = zooms.some((z) => isRecord(z) && (Number(z.start) > 0 || Number(z.end) < 100));
  const windows = zooms.flatMap((z) => windowOf(z) ?? []);
  // the whole axis is what a redraw shows anyway
  if (zoomed && windows.length === zooms.length) view.dataZoom = windows;
  return view;
}

/**
 * The second `setOption` of a redraw: what the browser adds to the chart's option, with the view a person had set
 * (`keptView`) laid over it: the legend's choices within the legend the browser adds (its scrolling and its
 * tooltip stay), each zoom component at its kept window.
 */
export function redrawOption(added: EChartsOption, kept: ChartView): EChartsOption {
  const legend = added.legend;
  const zooms = added.dataZoom;
  const windows = kept.dataZoom ?? [];
  return {
    ...added,
    ...(kept.legend && legend && !Array.isArray(legend) && { legend: { ...legend, ...kept.legend } }),
    ...(Array.isArray(zooms) &&
      windows.length === zooms.length && {
        dataZoom: zooms.map((z, i) => ({ ...z, ...windows[i] })),
      }),
  };
}

/** The first zoom component's window in % of the axis, from `getOption()`; undefined where the whole axis shows. */
export function zoomPercent(option: unknown): { start: number; end: number } | undefined {
  const first = isRecord(option) && Array.isArray(option.dataZoom) ? option.dataZoom[0] : undefined;
  if (!isRecord(first) || typeof first.start !== "number" || typeof first.end !== "number") return undefined;
  return first.start > 0 || first.end < 100 ? { start: first.start, end: first.end } : undefined;
}

/**
 * A Pareto point's value ([x, y, name, hover text]), whether its data item is the array or `{ value, label }` (a
 * label the server moved).
 */
function pointValue(d: unknown): (number | string)[] {
  const value: unknown = Array.isArray(d) ? d : d && typeof d === "object" && "value" in d ? d.value : [];
  return Array.isArray(value) ? value.map((v) => (typeof v === "number" ? v : String(v))) : [];
}

/** How far down a Pareto point's label is moved (px): its data item's `label.offset[1]`, else 0. */
function labelShift(d: unknown): number {
  const label: unknown = d && typeof d === "object" && "label" in d ? d.label : undefined;
  const offset: unknown = label && typeof label === "object" && "offset" in label ? label.offset : undefined;
  const dy: unknown = Array.isArray(offset) ? offset[1] : undefined;
  return typeof dy === "number" ? dy : 0;
}

/** The Pareto chart's points in drawing order: the scatter series' data items, with their series' index. */
const paretoPoints = (option: ChartOption) =>
  (option.series ?? []).flatMap((s, series) =>
    s.type === "scatter" && Array.isArray(s.data)
      ? s.data.map((d: unknown) => ({ series, value: pointValue(d), shift: labelShift(d) }))
      : [],
  );

/** Each Pareto point's label shift (px, down positive) in an option, in drawing order: what a chart shows now. */
export function paretoLabelOffsets(option: ChartOption): number[] {
  return paretoPoints(option).map((p) => p.shift);
}

/**
 * The Pareto chart's names placed again where the browser draws its points (`toPixel`: ECharts' `convertToPixel` on
 * the grid). The server placed them for 760 × 420 px (`paretoOption`); a narrow card draws the chart lower, down to
 * 240 px, where names the server saw apart touch, and a log y axis moves the points. Returns the option's series with
 * each point's label offset for where it is drawn now, for a `setOption` merge; a point `toPixel` cannot place keeps
 * the option's offset.
 */
export function paretoRelabelled(
  option: ChartOption,
  toPixel: (point: [number, number]) => readonly number[] | undefined,
): ChartOption {
  const points = paretoPoints(option).map((p) => {
    const [x, y, label] = p.value;
    const at = typeof x === "number" && typeof y === "number" ? toPixel([x, y]) : undefined;
    const [px = Number.NaN, py = Number.NaN] = at ?? [];
    return { ...p, anchor: { x: px, y: py, text: String(label ?? "") } };
  });
  const shifts = paretoLabelShifts(points.map((p) => p.anchor));
  const placed = points.map((p, i) =>
    Number.isFinite(p.anchor.x) && Number.isFinite(p.anchor.y) ? { ...p, shift: shifts[i] ?? 0 } : p,
  );
  return {
    series: (option.series ?? []).map((s, i): ChartSeries => {
      if (s.type !== "scatter" || !Array.isArray(s.data)) return s;
      const data = placed
        .filter((p) => p.series === i)
        .map(({ value, shift }) => (shift === 0 ? value : { value, label: { offset: [0, shift] } }));
      return { ...s, data };
    }),
  };
}
