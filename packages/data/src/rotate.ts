/**
 * Image rotation for the second view of `mnist-2view` (Wang et al. 2015, "On deep multi-view representation
 * learning": rotated digits with uniform noise).
 */

/**
 * Rotates a rows × cols single-channel image by `degrees` about its centre ((cols−1)/2, (rows−1)/2) with
 * bilinear interpolation; pixels whose source falls outside the image are 0. Positive angles turn the image
 * counter-clockwise as displayed (row 0 at the top). Writes into `out` (same size, must not alias `input`).
 */
export function rotateBilinear(
  input: ArrayLike<number>,
  rows: number,
  cols: number,
  degrees: number,
  out: Float32Array = new Float32Array(rows * cols),
): Float32Array {
  const radians = (degrees * Math.PI) / 180;
  // cos(90°) is 6e-17 in floating point; snapping it to 0 makes right-angle turns move pixels exactly.
  const cos = snapToUnitGrid(Math.cos(radians));
  const sin = snapToUnitGrid(Math.sin(radians));
  const centreX = (cols - 1) / 2;
  const centreY = (rows - 1) / 2;
  for (let row = 0; row < rows; row++) {
    const dy = row - centreY;
    for (let col = 0; col < cols; col++) {
      // Inverse mapping: for each output pixel, find where it came from, so every output pixel is set once.
      const dx = col - centreX;
      const x = centreX + dx * cos - dy * sin;
      const y = centreY + dx * sin + dy * cos;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const base = y0 * cols + x0;
      let value: number;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < cols && y0 + 1 < rows) {
        value =
          (input[base]! * (1 - fx) + input[base + 1]! * fx) * (1 - fy) +
          (input[base + cols]! * (1 - fx) + input[base + cols + 1]! * fx) * fy;
      } else if (x0 < -1 || y0 < -1 || x0 >= cols || y0 >= rows) {
        value = 0;
      } else {
        value =
          (pixelOrZero(input, rows, cols, y0, x0) * (1 - fx) +
            pixelOrZero(input, rows, cols, y0, x0 + 1) * fx) *
            (1 - fy) +
          (pixelOrZero(input, rows, cols, y0 + 1, x0) * (1 - fx) +
            pixelOrZero(input, rows, cols, y0 + 1, x0 + 1) * fx) *
            fy;
      }
      out[row * cols + col] = value;
    }
  }
  return out;
}

function snapToUnitGrid(value: number): number {
  const nearest = Math.round(value);
  return Math.abs(value - nearest) < 1e-12 ? nearest : value;
}

/** Zero fill: neighbours outside the image count as 0. */
function pixelOrZero(input: ArrayLike<number>, rows: number, cols: number, row: number, col: number): number {
  return row >= 0 && row < rows && col >= 0 && col < cols ? input[row * cols + col]! : 0;
}
