import { cellColours, sequentialScale } from "@tailsweep/charts/colours";

/**
 * A heatmap as a table: one coloured cell per (row, column) with its number in it. Matrices of numbers (the
 * objective over two parameters, a confusion matrix) read better, weigh a fraction of a chart's SVG, and keep their
 * numbers selectable. The colours are the charts' (@tailsweep/charts/colours): viridis from the smallest to the largest
 * value shown, the number in black or white, whichever reads better on its cell.
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
  const { scale } = sequentialScale(values.flat().filter((v): v is number => v !== undefined));
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
                  style={shown ? cellColours(scale, v) : undefined}
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
