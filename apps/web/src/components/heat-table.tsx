/** A cell's background on a white → blue scale, and a text colour that stays readable on it. */
function shade(t: number): { background: string; color: string } {
  const mix = (from: number, to: number) => Math.round(from + (to - from) * t);
  return {
    background: `rgb(${mix(247, 47)}, ${mix(251, 95)}, ${mix(255, 179)})`,
    color: t > 0.55 ? "white" : "inherit",
  };
}

/**
 * A heatmap as a table: one coloured cell per (row, column) with its number in it. Matrices of numbers (the
 * objective over two parameters, a confusion matrix) read better, weigh a fraction of a chart's SVG, and keep their
 * numbers selectable; the colour scale runs from the smallest to the largest value shown.
 */
export function HeatTable({
  caption,
  rowName,
  columnName,
  rows,
  columns,
  values,
  titles,
  testId,
}: {
  caption: string;
  rowName: string;
  columnName: string;
  rows: string[];
  columns: string[];
  /** values[row][column] in display units; undefined where nothing ran. */
  values: (number | undefined)[][];
  /** Hover text per cell (e.g. its interval and how many runs it holds). */
  titles?: (string | undefined)[][];
  testId: string;
}) {
  const finite = values.flat().filter((v): v is number => v !== undefined && Number.isFinite(v));
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  return (
    <table className="data heat" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th>
            {rowName} ↓ · {columnName} →
          </th>
          {columns.map((c) => (
            <th key={c} className="num">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={r}>
            <th>{r}</th>
            {columns.map((c, j) => {
              const v = values[i]?.[j];
              const shown = v !== undefined && Number.isFinite(v);
              return (
                <td
                  key={c}
                  className="num"
                  title={titles?.[i]?.[j]}
                  style={shown ? shade(high > low ? (v - low) / (high - low) : 0.5) : undefined}
                >
                  {shown ? v.toFixed(1) : ""}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
