import * as echarts from "echarts";

/** Renders an ECharts option to an SVG string on the server (no browser needed; the SVG ships in the HTML). */
export function renderSvg(option: echarts.EChartsOption, width = 760, height = 320): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Learning curves: one line per configuration (seed mean) with its 95 % t band (a stacked lower/width area pair). */
export function curvesSvg(
  metric: string,
  configs: { config: string; points: { epoch: number; mean: number; ci: [number, number] }[] }[],
): string {
  const series: echarts.SeriesOption[] = [];
  configs.forEach(({ config, points }, i) => {
    const band = points.every((p) => Number.isFinite(p.ci[0]) && Number.isFinite(p.ci[1]));
    if (band) {
      series.push(
        {
          type: "line",
          stack: `band${i}`,
          data: points.map((p) => [p.epoch, p.ci[0]]),
          lineStyle: { opacity: 0 },
          symbol: "none",
          silent: true,
        },
        {
          type: "line",
          stack: `band${i}`,
          data: points.map((p) => [p.epoch, p.ci[1] - p.ci[0]]),
          lineStyle: { opacity: 0 },
          areaStyle: { opacity: 0.15 },
          symbol: "none",
          silent: true,
        },
      );
    }
    series.push({
      type: "line",
      name: config,
      data: points.map((p) => [p.epoch, p.mean]),
      symbolSize: 4,
      // a marker per epoch helps read a short curve; on long ones it is only weight
      showSymbol: points.length <= 20,
    });
  });
  return renderSvg({
    title: { text: `${metric}: seed mean and 95% t band`, left: 0, textStyle: { fontSize: 13 } },
    legend: { top: 26, left: 0, type: "scroll" },
    grid: { top: 70, left: 60, right: 20, bottom: 40 },
    xAxis: { type: "value", name: "epoch", minInterval: 1 },
    yAxis: { type: "value", scale: true },
    series,
  });
}

/**
 * Per-class recall of a few configurations: grouped bars of the seed mean with 95 % t whiskers, minority classes
 * marked on the axis. The whiskers are a custom series (ECharts has no error bars of its own).
 */
export function perClassSvg(
  title: string,
  classes: number,
  minority: readonly number[],
  configs: { config: string; mean: number[]; ci: [number, number][] }[],
): string {
  const categories = Array.from({ length: classes }, (_, c) => (minority.includes(c) ? `${c}*` : `${c}`));
  const series: echarts.SeriesOption[] = [];
  const width = 0.8 / Math.max(1, configs.length);
  configs.forEach(({ config, mean, ci }, i) => {
    // barGap 0: the bars of one class share 80 % of its band evenly, so each whisker can find its bar's centre
    series.push({
      type: "bar",
      name: config,
      barGap: "0%",
      data: mean.map((m) => Number((100 * m).toFixed(1))),
    });
    series.push({
      type: "custom",
      name: config,
      silent: true,
      // a t interval of a share can leave [0, 100] with few seeds: the axis shows what a recall can be
      data: ci.map(([lo, hi], c) => [c, Math.max(0, 100 * lo), Math.min(100, 100 * hi)]),
      renderItem: (_params, api) => {
        const band = (api.size!([1, 0]) as number[])[0]!;
        const shift = band * (-0.4 + width * (i + 0.5));
        const [cx, ly] = api.coord([api.value(0), api.value(1)]) as [number, number];
        const hy = (api.coord([api.value(0), api.value(2)]) as [number, number])[1];
        const lx = cx + shift;
        const hx = lx;
        if (![ly, hy].every(Number.isFinite)) return null;
        const cap = 3;
        const style = { stroke: "#333", lineWidth: 1 };
        return {
          type: "group",
          children: [
            { type: "line", shape: { x1: lx, y1: ly, x2: hx, y2: hy }, style },
            { type: "line", shape: { x1: lx - cap, y1: ly, x2: lx + cap, y2: ly }, style },
            { type: "line", shape: { x1: hx - cap, y1: hy, x2: hx + cap, y2: hy }, style },
          ],
        };
      },
      z: 10,
    });
  });
  return renderSvg(
    {
      title: { text: title, left: 0, textStyle: { fontSize: 13 } },
      legend: { top: 26, left: 0, type: "scroll", data: configs.map((c) => c.config) },
      grid: { top: 70, left: 50, right: 20, bottom: 45 },
      xAxis: {
        type: "category",
        data: categories,
        name: "class (* minority)",
        nameLocation: "middle",
        nameGap: 28,
      },
      yAxis: { type: "value", min: 0, max: 100, name: "%" },
      series,
    },
    760,
    340,
  );
}
