export {
  type BarSeries,
  curvesSvg,
  epochLinesSvg,
  groupedBarsSvg,
  heatmapSvg,
  type LineSeries,
  linesSvg,
  perClassSvg,
  renderSvg,
} from "./charts";
export {
  type CellColours,
  type ColourScale,
  cellColours,
  colourStops,
  contrastRatio,
  divergingScale,
  relativeLuminance,
  SERIES_PALETTE,
  sequentialScale,
  seriesColours,
  textColourOn,
} from "./colours";
