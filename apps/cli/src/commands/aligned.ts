/** Rows of cells in columns as wide as their widest cell, two spaces apart. */
export function printAligned(header: string[], lines: string[][], out: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const row of [header, ...lines])
    out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
}
