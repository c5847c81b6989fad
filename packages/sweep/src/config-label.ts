/** A parameter value as labels and axes show it: objects (e.g. a list of widths) as JSON. */
export function paramValue(value: unknown): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * A configuration's label for people: its searched parameters without the seed, sorted (`model.nu=5
 * variant=proposed`); `(no search)` when nothing is searched. Display only: join and group on `configKey`.
 */
export function configLabel(params: Record<string, unknown>): string {
  const label = Object.keys(params)
    .sort()
    .map((k) => `${k}=${paramValue(params[k])}`)
    .join(" ");
  return label || "(no search)";
}
