/** How many of a sweep's trials are done, as a bar. */
export function ProgressBar({ done, total }: { done: number; total: number }) {
  return (
    <span className="bar" title={`${done} of ${total}`}>
      <span style={{ width: `${(100 * done) / Math.max(1, total)}%` }} />
    </span>
  );
}
