/**
 * A page's GET parameters as Next gives them: a parameter given twice (`?tag=a&tag=b`, a URL edited by hand or two
 * form fields of one name) is a list, whatever a page's type says. Read as a lone string, `.trim()` on it was a 500.
 */
export type SearchParams = Record<string, string | string[] | undefined>;

/** One value per parameter, the first where it was given more than once. */
export function firstValues(sp: SearchParams): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(sp).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}
