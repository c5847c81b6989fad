/** A chart drawn on the server (ECharts' SVG renderer): shown as it is, scaled to the page by its viewBox. */
export function svgChart(html: string, testId: string) {
  return (
    <section
      data-testid={testId}
      className="chart"
      // biome-ignore lint/security/noDangerouslySetInnerHtml: ECharts' server-side SVG, generated here from numbers
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
