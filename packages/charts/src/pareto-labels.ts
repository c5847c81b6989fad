// The Pareto chart's label placement, without ECharts: the server's `paretoOption` and the browser's
// `paretoRelabelled` (interactive.ts, which must not load the chart library) both use it.

/**
 * A point's label as ECharts sets it right of a 9 px symbol in 10 px sans-serif: its gap from the point's centre, its
 * height, and a width per character that errs wide (digits and lower case are ≈ 5.6 px).
 */
export const PARETO_LABEL = { fontSize: 10, gap: 10, height: 13, charWidth: 6 };

/**
 * How far (px, down positive) to move each point's label so that no two overlap: configurations with near-equal means
 * would otherwise print their names over each other. ECharts' own `labelLayout.moveOverlap` moves only labels placed
 * at absolute positions, not those attached to a point (and a function for it would not survive the option's trip to
 * the browser as JSON), so they are placed here: top to bottom, each at the smallest shift, alternately down and up
 * by a line, at most three, that clears the labels placed before it. The server places them on the chart's default
 * size (`paretoOption`), the browser again where it draws the points (`paretoRelabelled`).
 */
export function paretoLabelShifts(anchors: readonly { x: number; y: number; text: string }[]): number[] {
  const { gap, height, charWidth } = PARETO_LABEL;
  const placed: { left: number; right: number; top: number }[] = [];
  const shifts = anchors.map(() => 0);
  const order = anchors
    .map((_, i) => i)
    .sort((a, b) => anchors[a]!.y - anchors[b]!.y || anchors[a]!.x - anchors[b]!.x);
  for (const i of order) {
    const a = anchors[i]!;
    if (!Number.isFinite(a.x) || !Number.isFinite(a.y)) continue;
    const left = a.x + gap;
    const right = left + a.text.length * charWidth;
    const clear = (top: number) =>
      placed.every(
        (r) => r.right <= left || r.left >= right || r.top + height <= top || r.top >= top + height,
      );
    // 0, +1, −1, … ±3 lines: the first that overlaps nothing placed; in a crowd where none does, a name moved
    // further would sit by another point than its own, so it stays put
    const tries = [0, 1, -1, 2, -2, 3, -3].map((lines) => lines * height);
    const shift = tries.find((t) => clear(a.y - height / 2 + t)) ?? 0;
    shifts[i] = shift;
    placed.push({ left, right, top: a.y - height / 2 + shift });
  }
  return shifts;
}
