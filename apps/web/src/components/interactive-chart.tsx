"use client";

import {
  type ChartKind,
  canLogY,
  interactiveOption,
  type ValueUnit,
  yAxisFor,
} from "@tailsweep/charts/interactive";
import { type ChartOption, registerRenderers } from "@tailsweep/charts/renderers";
import type { EChartsType } from "echarts";
import { useEffect, useLayoutEffect, useRef, useState } from "react";

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
}: {
  svg: string;
  option: ChartOption;
  kind: ChartKind;
  unit: ValueUnit;
  testId: string;
  width: number;
  height: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const [hydrated, setHydrated] = useState(false);
  const [log, setLog] = useState(false);
  const logAllowed = canLogY(option);
  const heightFor = (w: number) => Math.round(Math.max(MIN_HEIGHT, Math.min(height, (height * w) / width)));

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
      observer = new ResizeObserver(() => {
        if (!live.isDisposed()) live.resize({ width: el.clientWidth, height: heightFor(el.clientWidth) });
      });
      observer.observe(el);
      setHydrated(true);
    });
    return () => {
      gone = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  // The option (again after a live refresh brings new numbers) and the scale; the legend's choices survive both.
  // Before the browser paints: the commit that removes the server's SVG must not show an empty card for a frame
  // (setOption draws at once).
  const json = JSON.stringify(option);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `json` stands for `option`, compared by value
  useLayoutEffect(() => {
    const live = chart.current;
    if (!hydrated || !live) return;
    const previous = live.getOption();
    const legend = Array.isArray(previous?.legend) ? previous.legend[0] : undefined;
    const selected =
      legend && typeof legend === "object" && "selected" in legend ? legend.selected : undefined;
    live.setOption({ ...option, animation: false }, { notMerge: true });
    live.setOption({
      ...interactiveOption(kind, option, unit),
      ...(option.legend && selected && typeof selected === "object" ? { legend: { selected } } : {}),
    });
    const yAxis = logAllowed ? yAxisFor(option, log) : undefined;
    if (yAxis) live.setOption({ yAxis: [yAxis] }, { replaceMerge: ["yAxis"] });
  }, [hydrated, json, log, kind, unit]);

  return (
    <section
      data-testid={testId}
      className="chart live-chart"
      data-hydrated={hydrated ? "true" : undefined}
      data-y-scale={log ? "log" : "linear"}
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
    </section>
  );
}
