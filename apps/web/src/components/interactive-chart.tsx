"use client";

import {
  type ChartKind,
  canLogY,
  interactiveOption,
  keptView,
  paretoLabelOffsets,
  paretoRelabelled,
  redrawOption,
  type ValueUnit,
  yAxisFor,
  zoomPercent,
} from "@tailsweep/charts/interactive";
import { type ChartOption, registerRenderers } from "@tailsweep/charts/renderers";
import type { EChartsType } from "echarts";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";

/**
 * The chart library, asked for once per page as soon as this module runs in the browser, not when the first chart
 * mounts: its download and parse then overlap React's hydration of the page (bench/dashboard-browser.ts).
 */
let library: ReturnType<typeof load> | undefined;
const load = () => import("./echarts-lite");
const chartLibrary = () => {
  library ??= load();
  return library;
};
if (typeof window !== "undefined") void chartLibrary();

/** The zoomed x range as "start–end" (% of the axis), undefined where the whole axis shows. */
const zoomText = (option: unknown) => {
  const range = zoomPercent(option);
  return range && `${range.start.toFixed(1)}–${range.end.toFixed(1)}`;
};

/** The shortest a chart gets on a narrow window: below it the legend and the axes leave no room for the lines. */
const MIN_HEIGHT = 240;

/**
 * A chart drawn on the server as SVG (the first paint, and what a page without JavaScript keeps) that turns into
 * ECharts' own chart in the browser once the library has loaded (issue #20): the same option, plus a tooltip in the
 * tables' units, a legend whose entries toggle their series, zoom on the curves' epochs, a linear/log switch for the
 * y axis where every value is positive, and the width of its card, redrawn as the card resizes. `width` × `height`
 * is the server SVG's size: the chart keeps that height on a wide card and shrinks in proportion on a narrow one.
 * `data-hydrated` says when the live chart has replaced the SVG (tests and bench/dashboard-browser.ts wait for it).
 */
export function InteractiveChart({
  svg,
  option,
  kind,
  unit,
  testId,
  width,
  height,
  label,
}: {
  svg: string;
  option: ChartOption;
  kind: ChartKind;
  unit: ValueUnit;
  testId: string;
  width: number;
  height: number;
  /** What the chart shows, in words: its accessible name (a screen reader announced five charts as nothing). */
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const [hydrated, setHydrated] = useState(false);
  const [log, setLog] = useState(false);
  // the x range shown, "start–end" in % of the axis where zoomed (the browser test reads it)
  const [zoom, setZoom] = useState<string | undefined>(undefined);
  const logAllowed = canLogY(option);
  const heightFor = (w: number) => Math.round(Math.max(MIN_HEIGHT, Math.min(height, (height * w) / width)));
  // The Pareto chart's names are placed for the server's size: placed again wherever this chart draws its points (a
  // narrow card draws it lower, a log axis moves them). `drawn` is the option on the chart and the label offsets it
  // shows, set once it is drawn (the resize observer's first call comes before it, and a refresh rendered but not yet
  // committed must not be placed on the old axes); a placement that changes no offset draws nothing.
  const drawn = useRef<{ option: ChartOption; offsets: string } | null>(null);
  const relabel = (live: EChartsType) => {
    const now = drawn.current;
    if (kind !== "pareto" || !now || live.isDisposed()) return;
    const placed = paretoRelabelled(now.option, (point) => {
      const at: unknown = live.convertToPixel({ gridIndex: 0 }, point);
      return Array.isArray(at) && at.every((v): v is number => typeof v === "number") ? at : undefined;
    });
    const offsets = paretoLabelOffsets(placed).join();
    if (offsets === now.offsets) return;
    drawn.current = { option: now.option, offsets };
    live.setOption(placed);
  };

  // One chart per mount: the library is loaded after the page is interactive, and the chart disposed with it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the options are applied by the effect below
  useEffect(() => {
    let gone = false;
    let observer: ResizeObserver | undefined;
    void chartLibrary().then((echarts) => {
      const el = box.current;
      if (gone || !el) return;
      registerRenderers(echarts.registerCustomSeries);
      const live = echarts.init(el, null, { renderer: "svg", height: heightFor(el.clientWidth) });
      chart.current = live;
      // a wheel or a drag fires many: the window is read once a frame (getOption copies the whole option)
      let reading = false;
      live.on("datazoom", () => {
        if (reading) return;
        reading = true;
        requestAnimationFrame(() => {
          reading = false;
          if (!live.isDisposed()) setZoom(zoomText(live.getOption()));
        });
      });
      observer = new ResizeObserver(() => {
        if (live.isDisposed()) return;
        live.resize({ width: el.clientWidth, height: heightFor(el.clientWidth) });
        relabel(live);
      });
      observer.observe(el);
      setHydrated(true);
    });
    return () => {
      gone = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
      drawn.current = null;
    };
  }, []);

  // The option (again after a live refresh brings new numbers) and the scale; the legend's choices and the zoom
  // survive both.
  // Before the browser paints: the commit that removes the server's SVG must not show an empty card for a frame
  // (setOption draws at once).
  // memoised: a zoom's re-render (setZoom) must not serialise the whole option again
  const json = useMemo(() => JSON.stringify(option), [option]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `json` stands for `option`, compared by value
  useLayoutEffect(() => {
    const live = chart.current;
    if (!hydrated || !live) return;
    const kept = keptView(live.getOption());
    const yAxis = logAllowed ? yAxisFor(option, log) : undefined;
    // Drawn once, by the last call: ECharts merges each option into its model at once and, with lazyUpdate, leaves
    // the drawing to a later call (a draw per call drew the Pareto chart's 870 elements two or three times).
    live.setOption({ ...option, animation: false }, { notMerge: true, lazyUpdate: true });
    live.setOption(redrawOption(interactiveOption(kind, option, unit), kept), {
      lazyUpdate: yAxis !== undefined,
    });
    if (yAxis) live.setOption({ yAxis: [yAxis] }, { replaceMerge: ["yAxis"] });
    drawn.current = { option, offsets: paretoLabelOffsets(option).join() };
    relabel(live);
    setZoom(zoomText(live.getOption()));
  }, [hydrated, json, log, kind, unit]);

  return (
    <figure
      data-testid={testId}
      aria-label={label}
      className="chart live-chart"
      data-hydrated={hydrated ? "true" : undefined}
      data-y-scale={log ? "log" : "linear"}
      data-zoom={zoom}
    >
      {!hydrated && (
        <div
          className="chart-ssr"
          // biome-ignore lint/security/noDangerouslySetInnerHtml: ECharts' server-side SVG, generated here from numbers
          dangerouslySetInnerHTML={{ __html: svg }}
        />
      )}
      {/* empty, so no height, until the chart fills it */}
      <div ref={box} className="chart-live" />
      {logAllowed && (
        <div className="chart-controls">
          <label>
            <input
              type="checkbox"
              checked={log}
              disabled={!hydrated}
              onChange={(e) => setLog(e.target.checked)}
              data-testid={`${testId}-log`}
            />{" "}
            log y
          </label>
        </div>
      )}
    </figure>
  );
}
