/**
 * Hoare's quickselect over the first `n` values: puts the k-th smallest (0-based) at index k, smaller ones left of
 * it, larger right; returns it. One copy for the bootstrap's percentiles and the sequential design's calibration
 * (2^19 simulated paths per look). Kept by hand rather than d3-array's `quickselect` (Floyd–Rivest, a comparator
 * call per step) because it is faster on exactly these arrays (bench/quickselect.ts, four runs on the shared 2-core
 * machine at load 0.7–2.9, median µs per call, d3 with its default comparator over ours): 1.3–2.1× on 2^19 Float32
 * |t| values at k = n − n/16 and n/2 (5–10 ms against 9–20 ms), 2.5–11× on 2,000 and 10,000 bootstrap means at the
 * 2.5 % and 97.5 % points (6–11 µs against 46–91 µs at 2,000); with (a, b) => a − b d3 is slower still.
 * select.test.ts holds it to d3-array's on seeded arrays of 1 to 5,000 values.
 */
export function quickselect(a: Float32Array | Float64Array, k: number, n = a.length): number {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    // median of three as the pivot keeps nearly sorted input from the quadratic case
    const mid = (left + right) >>> 1;
    const pivot = Math.max(Math.min(a[left]!, a[mid]!), Math.min(Math.max(a[left]!, a[mid]!), a[right]!));
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}
