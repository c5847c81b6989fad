export {
  type BarSeries,
  curvesSvg,
  groupedBarsSvg,
  heatmapSvg,
  type LineSeries,
  linesSvg,
  perClassSvg,
  renderSvg,
} from "./charts";
