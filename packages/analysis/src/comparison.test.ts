import { describe, expect, it } from "vitest";
import { configurationsOf, resolveBaseline } from "./comparison";

const trial = (configKey: string, params: Record<string, unknown>, configLabel: string) => ({
  configKey,
  configLabel,
  params,
});

describe("configurationsOf", () => {
  it("groups by key, orders by label, and keeps two keys whose params print alike apart", () => {
    const configs = configurationsOf([
      trial("k2", { w: "[8]" }, "w=[8]"),
      trial("k1", { w: [8] }, "w=[8]"),
      trial("k1", { w: [8] }, "w=[8]"),
      trial("k0", { w: [4] }, "w=[4]"),
    ]);
    expect([...configs.keys()]).toEqual(["k0", "k1", "k2"]);
    expect([...configs.values()].map((c) => c.label)).toEqual(["w=[4]", "w=[8] #k1", "w=[8] #k2"]);
  });
});

describe("resolveBaseline", () => {
  const configs = [
    ...configurationsOf([
      trial("a", { "model.nu": 5, variant: "gaussian" }, "model.nu=5 variant=gaussian"),
      trial("b", { "model.nu": 5, variant: "proposed" }, "model.nu=5 variant=proposed"),
      trial("c", { "model.nu": 30, variant: "proposed" }, "model.nu=30 variant=proposed"),
    ]).values(),
  ];

  it("finds a configuration by its label or by key=value pairs of its params", () => {
    expect(resolveBaseline(configs, "model.nu=30 variant=proposed").key).toBe("c");
    expect(resolveBaseline(configs, "variant=gaussian").key).toBe("a");
    expect(resolveBaseline(configs, "  model.nu=5   variant=proposed ").key).toBe("b");
    expect(resolveBaseline(configs, undefined).key).toBe("a");
  });

  it("names the field and every configuration when a name matches none or several", () => {
    expect(() => resolveBaseline(configs, "variant=mixture", "groups[1].config")).toThrow(
      /^groups\[1\]\.config: 'variant=mixture' matches no configuration; use one of: model\.nu=30 variant=proposed \| /,
    );
    expect(() => resolveBaseline(configs, "variant=proposed")).toThrow(
      /^baseline: .* matches 2 configurations/,
    );
    // a part without `=` names no param: it matches nothing rather than everything
    expect(() => resolveBaseline(configs, "proposed")).toThrow(/matches no configuration/);
    let refused: unknown;
    try {
      resolveBaseline(configs, "model.nu=7");
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: "INPUT_INVALID", category: "invalid", field: "baseline" });
  });
});
