import type { CustomSeriesOption, CustomSeriesRenderItem, EChartsOption, SeriesOption } from "echarts";

/**
 * The custom series the charts draw (whiskers: ECharts has no error bars), registered by name: ECharts 6 looks a
 * custom series' `renderItem` up by name when it is a string, so an option that uses them stays plain JSON and can
 * travel from a React server component to the browser's chart. Whoever renders an option registers them first on
 * its own ECharts module ({@link registerRenderers}); this module imports no ECharts code, so the browser loads it
 * before the library.
 */
export const RENDERERS = {
  /** Vertical whiskers: data [x, low, high]; `itemPayload.offset` × the category band moves them to their bar. */
  whiskers: "tailsweep-whiskers",
  /** Whiskers on both axes of a scatter point: data [x, y, xLow, xHigh, yLow, yHigh]. */
  xyWhiskers: "tailsweep-xy-whiskers",
} as const;
export type RendererName = (typeof RENDERERS)[keyof typeof RENDERERS];

/** A custom series drawn by one of {@link RENDERERS}. */
export type NamedCustomSeries = Omit<CustomSeriesOption, "renderItem"> & {
  type: "custom";
  renderItem: RendererName;
};
/** A series of a {@link ChartOption}: any of ECharts' own but a custom one with a function. */
export type ChartSeries = Exclude<SeriesOption, CustomSeriesOption> | NamedCustomSeries;
/** An ECharts option with no function in it (JSON round-trips it): what every `*Option` of the charts returns. */
export type ChartOption = Pick<
  EChartsOption,
  | "title"
  | "legend"
  | "grid"
  | "xAxis"
  | "yAxis"
  | "parallel"
  | "parallelAxis"
  | "visualMap"
  | "tooltip"
  | "dataZoom"
> & { series?: ChartSeries[] };

type Line = { type: "line"; shape: { x1: number; y1: number; x2: number; y2: number }; style: typeof STYLE };
const STYLE = { stroke: "#333", lineWidth: 1 };
const CAP = 3;
const segment = (x1: number, y1: number, x2: number, y2: number, style = STYLE): Line => ({
  type: "line",
  shape: { x1, y1, x2, y2 },
  style,
});

const whiskers: CustomSeriesRenderItem = (params, api) => {
  const payload = params.itemPayload.offset;
  const offset = typeof payload === "number" ? payload : 0;
  const size = api.size?.([1, 0]);
  const band = Array.isArray(size) ? (size[0] ?? 0) : 0;
  const [cx = Number.NaN, ly = Number.NaN] = api.coord([api.value(0), api.value(1)]);
  const hy = api.coord([api.value(0), api.value(2)])[1] ?? Number.NaN;
  const x = cx + band * offset;
  if (![ly, hy].every(Number.isFinite)) return null;
  return {
    type: "group",
    children: [segment(x, ly, x, hy), segment(x - CAP, ly, x + CAP, ly), segment(x - CAP, hy, x + CAP, hy)],
  };
};

const xyWhiskers: CustomSeriesRenderItem = (_params, api) => {
  const [cx = Number.NaN, cy = Number.NaN] = api.coord([api.value(0), api.value(1)]);
  const style = { stroke: "#555", lineWidth: 1 };
  const children: Line[] = [];
  const [x0, x1] = [api.value(2), api.value(3)].map((v) => api.coord([v, api.value(1)])[0] ?? Number.NaN);
  if (x0 !== undefined && x1 !== undefined && [x0, x1].every(Number.isFinite))
    children.push(
      segment(x0, cy, x1, cy, style),
      segment(x0, cy - CAP, x0, cy + CAP, style),
      segment(x1, cy - CAP, x1, cy + CAP, style),
    );
  const [y0, y1] = [api.value(4), api.value(5)].map((v) => api.coord([api.value(0), v])[1] ?? Number.NaN);
  if (y0 !== undefined && y1 !== undefined && [y0, y1].every(Number.isFinite))
    children.push(
      segment(cx, y0, cx, y1, style),
      segment(cx - CAP, y0, cx + CAP, y0, style),
      segment(cx - CAP, y1, cx + CAP, y1, style),
    );
  return { type: "group", children };
};

/** Registers the charts' custom series on an ECharts module (its `registerCustomSeries`); idempotent. */
export function registerRenderers(
  register: (name: string, renderItem: CustomSeriesRenderItem) => void,
): void {
  register(RENDERERS.whiskers, whiskers);
  register(RENDERERS.xyWhiskers, xyWhiskers);
}
