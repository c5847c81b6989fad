/** A share as a percentage (`0.6512` → `65.1`), or an em dash for what is not a number. */
export function pct(v: number | undefined | null, digits = 1): string {
  return typeof v === "number" && Number.isFinite(v) ? (100 * v).toFixed(digits) : "—";
}

/** A p-value as papers print it: three decimals, `<0.001` below that. */
export function pValue(p: number | undefined): string {
  return p === undefined || Number.isNaN(p) ? "—" : p < 0.001 ? "<0.001" : p.toFixed(3);
}

/** A duration in words at the precision people read (`45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`). */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** How long ago, coarsely (`just now`, `5 min ago`, `3 h ago`, `2 d ago`). */
export function age(date: Date, now: Date = new Date()): string {
  const s = (now.getTime() - date.getTime()) / 1000;
  if (s < 45) return "just now";
  return `${duration(s).split(" ").slice(0, 2).join(" ")} ago`;
}

/** A date as `2026-11-27 13:05` (UTC), the same on the server and in every browser. */
export function stamp(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The query string of `params` with `changes` applied (undefined removes a key): links that keep the view. */
export function query(
  params: Record<string, string | undefined>,
  changes: Record<string, string | undefined>,
) {
  const merged = { ...params, ...changes };
  const q = new URLSearchParams(
    Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  ).toString();
  return q ? `?${q}` : "";
}
