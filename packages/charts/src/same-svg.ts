/**
 * An SVG of ECharts' renderer with its ids and CSS classes renumbered in order of first appearance: ECharts numbers
 * them by counters global to the process (`zr4-cls-19`, `zr4-c0`), so two renderings of one chart differ in them
 * by how many charts the process drew before. For tests that compare renderings.
 */
export function sameSvg(svg: string): string {
  const seen = new Map<string, number>();
  return svg.replace(/\bzr\d+-[a-z]+-?\d+/g, (c) => {
    if (!seen.has(c)) seen.set(c, seen.size);
    return `zr-${c.replace(/^zr\d+-|\d+$/g, "")}${seen.get(c)}`;
  });
}
