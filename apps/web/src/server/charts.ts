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
    series.push({ type: "line", name: config, data: points.map((p) => [p.epoch, p.mean]), symbolSize: 4 });
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

/** The objective's seed mean over two swept parameters, as a heatmap with the value in each cell. */
export function heatmapSvg(
  x: string,
  y: string,
  metric: string,
  data: { xValues: string[]; yValues: string[]; cells: { x: string; y: string; mean: number; n: number }[] },
): string {
  const values = data.cells.map((c) => Number((100 * c.mean).toFixed(1)));
  return renderSvg(
    {
      title: { text: `${metric} (seed mean, %) over ${x} × ${y}`, left: 0, textStyle: { fontSize: 13 } },
      grid: { top: 40, left: 100, right: 20, bottom: 70 },
      xAxis: { type: "category", data: data.xValues, name: x, nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "category", data: data.yValues, name: y, nameLocation: "middle", nameGap: 70 },
      visualMap: {
        min: Math.min(...values),
        max: Math.max(...values),
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: 120,
      },
      series: [
        {
          type: "heatmap",
          data: data.cells.map((c, i) => [data.xValues.indexOf(c.x), data.yValues.indexOf(c.y), values[i]!]),
          label: { show: true },
        },
      ],
    },
    560,
    Math.max(220, 60 + 40 * data.yValues.length + 60),
  );
}
