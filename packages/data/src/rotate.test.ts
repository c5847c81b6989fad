import { describe, expect, it } from "vitest";
import { rotateBilinear } from "./rotate";

const side = 28;
function rampImage(): Float32Array {
  return Float32Array.from({ length: side * side }, (_, i) => ((i * 37) % 101) / 100);
}

describe("rotateBilinear", () => {
  it("is the identity at 0° and at 360°", () => {
    const image = rampImage();
    expect(Array.from(rotateBilinear(image, side, side, 0))).toEqual(Array.from(image));
    const full = rotateBilinear(image, side, side, 360);
    full.forEach((v, i) => {
      expect(v).toBeCloseTo(image[i]!, 5);
    });
  });

  it("turns 90° counter-clockwise: the pixel right of centre moves to the top", () => {
    const image = new Float32Array(side * side);
    image[13 * side + 27] = 1; // right edge, row 13
    const rotated = rotateBilinear(image, side, side, 90);
    expect(rotated[0 * side + 13]).toBeCloseTo(1, 6); // top edge, column 13
    expect(rotated.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const back = rotateBilinear(rotated, side, side, -90);
    expect(back[13 * side + 27]).toBeCloseTo(1, 6);
  });

  it("fills with zero where the source leaves the image and interpolates in between", () => {
    const ones = new Float32Array(side * side).fill(1);
    const rotated = rotateBilinear(ones, side, side, 45);
    expect(rotated[0]).toBe(0); // corner comes from outside the image
    expect(rotated[14 * side + 14]).toBeCloseTo(1, 6);
    const half = new Float32Array(4);
    half[0] = 1; // 2×2 image: a 180° turn moves it to the opposite corner
    expect(Array.from(rotateBilinear(half, 2, 2, 180)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([
      0, 0, 0, 1,
    ]);
  });
});
