import { describe, expect, it } from "vitest";
import { firstValues } from "./search-params";

describe("firstValues", () => {
  it("keeps one value per parameter, the first of a repeated one", () => {
    expect(firstValues({ tag: ["a", "b"], q: "x", status: undefined })).toEqual({
      tag: "a",
      q: "x",
      status: undefined,
    });
  });
});
