import { isInputError } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { meanOfGroupMeans } from "./clustered";

const group = (values: number[], first = 1) => values.map((value, i) => ({ cluster: first + i, value }));

describe("meanOfGroupMeans (equation S1)", () => {
  it("is the one-sample t-test of the clusters' averages when every group has every cluster", () => {
    const r = meanOfGroupMeans([group([1, 2, 4, 3]), group([0, 1, 1, 2])]);
    // cluster averages 0.5, 1.5, 2.5, 2.5: mean 1.75, sd 0.957, t = 3.656 on 3 df (SciPy)
    expect(r.estimate).toBeCloseTo(1.75, 12);
    expect(r.df).toBeCloseTo(3, 12);
    expect(r.se).toBeCloseTo(0.9574271077563381 / 2, 12);
    expect(r.p).toBeCloseTo(0.03535284700251738, 12); // scipy.stats.ttest_1samp([0.5, 1.5, 2.5, 2.5], 0)
  });

  it("leaves out groups of one value and says when nothing varies", () => {
    const r = meanOfGroupMeans([group([2, 2, 2]), group([5])]);
    expect(r.groups).toBe(1);
    expect(r.estimate).toBe(2);
    expect(r.degenerate).toMatch(/no spread/);
    expect(r.p).toBeNaN();
  });

  it("refuses a value that is not finite or a cluster twice in a group, naming where", () => {
    const bad = (groups: { cluster: number; value: number }[][]) => {
      try {
        meanOfGroupMeans(groups);
      } catch (e) {
        return isInputError(e) ? `${e.field}: ${e.problem}` : "not an InputError";
      }
      return "accepted";
    };
    expect(bad([group([1, 2]), group([1, Number.NaN])])).toBe(
      "groups[1][1].value: must be a finite number (cluster 2), got NaN",
    );
    expect(
      bad([
        [
          { cluster: 3, value: 1 },
          { cluster: 3, value: 2 },
        ],
      ]),
    ).toBe("groups[0][1].cluster: cluster 3 appears twice in this group");
  });
});
