import { InputError } from "@tailsweep/schemas";

/** Throws an InputError for `field` unless `value` lies strictly between 0 and 1 (a level, a confidence, a power). */
export function requireProbability(field: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new InputError(field, `must be in (0, 1), got ${value}`);
}

/** Throws an InputError naming the first entry of `values` that is not a finite number (`a[2]: NaN is not …`). */
export function requireFinite(field: string, values: readonly number[]): void {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]))
      throw new InputError(`${field}[${i}]`, `${values[i]} is not a finite number`);
}

/** Throws an InputError for `field` unless `value` is an integer of at least `min`. */
export function requireInteger(field: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min))
    throw new InputError(field, `must be an integer ≥ ${min}, got ${value}`);
}
