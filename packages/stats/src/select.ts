/**
 * Hoare's quickselect over the first `n` values: puts the k-th smallest (0-based) at index k, smaller ones left of
 * it, larger right; returns it. One copy for the bootstrap's percentiles and the sequential design's calibration
 * (2^19 simulated paths per look). Kept by hand for now: d3-array's quickselect calls a comparator at every step, and
 * the two have not been timed against each other on these arrays (issue #24 asks for that or for d3-array).
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
