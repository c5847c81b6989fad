// The sequential seed design against the fixed one, by simulation (issue #18 §2). Many sweeps with known true
// effects are run through @tailsweep/stats' sequentialLook exactly as the platform will run them — `initial` seeds
// per configuration, a look, `step` more seeds only for the comparisons still undecided, up to `max` — and through
// the fixed design: every configuration at `max` seeds, paired t-tests with the same correction. Both see the same
// simulated results (the sequential design only the seeds it asked for).
//
// Scenarios: true effect {null, small, medium, large, mixed} × seed noise {normal, t with 3 df (heavy tails)} ×
// {5, 20} configurations compared with one baseline. Effects are d_z (mean difference over the sd of the seed-paired
// differences); `medium` is the effect the fixed design detects with 80 % power per comparison at alpha / 5 (a
// sweep's `max` chosen for that effect), `small` half of it, `large` 1.5×; `mixed` cycles null, small, medium,
// large over the configurations. All effects favour the configuration (maximize).
//
// Printed per scenario and design: family-wise type-I error (any true-null comparison called better or worse; only
// where a scenario has true nulls) with its Monte-Carlo standard error, power (share of true effects called better),
// and seeds per configuration (the baseline included), with the ratio of seeds to the fixed design's. The target is
// the same power (within two Monte-Carlo standard errors on every medium scenario) at ≤ 60 % of the seeds there.
// Seeded (--seed), so a run repeats exactly. The default 800 sweeps per scenario take ≈ 35 s of CPU, 1–2 min on the
// loaded 2-core machine (the calibration of the boundaries, a few seconds, included).
//
// Usage: pnpm -s bench:seeds [--json] [--reps 800] [--seed 18] [--spending obrien-fleming|pocock]
//        [--futility default|none|cp:<below>[:<from>]|pp:<below>[:<from>]] [--initial 3 --step 2 --max 20] [--alpha 0.05]
//        [--effects null,small,medium,large,mixed] [--configs 5,20]
// JSON: { settings, effects, scenarios: [{ name, effect, noise, configs, sequential: {fwer, fwerSe, power, powerSe,
//   seedsPerConfig}, fixed: {…}, seedsRatio, powerDiff }], sequential: {fwer, power, seedsPerConfig},
//   fixed: {…}, target } — top-level fwer is the worst over all scenarios, power and seedsPerConfig the means over
//   the medium scenarios.
import { parseArgs } from "node:util";
import { randomStream } from "@tailsweep/random";
import {
  type FutilityRule,
  type Observation,
  pairedTTestPower,
  planSequential,
  type SpendingFunction,
  sequentialLook,
} from "@tailsweep/stats";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    reps: { type: "string", default: "800" },
    seed: { type: "string", default: "18" },
    spending: { type: "string", default: "obrien-fleming" },
    futility: { type: "string", default: "default" },
    initial: { type: "string", default: "3" },
    step: { type: "string", default: "2" },
    max: { type: "string", default: "20" },
    alpha: { type: "string", default: "0.05" },
    effects: { type: "string", default: "null,small,medium,large,mixed" },
    configs: { type: "string", default: "5,20" },
  },
});
const reps = Number(args.reps);
const alpha = Number(args.alpha);
const futility = parseFutility(args.futility!);
const plan = planSequential({
  initial: Number(args.initial),
  step: Number(args.step),
  max: Number(args.max),
  alpha,
  correction: "holm",
  spending: args.spending as SpendingFunction,
  ...(futility && { futility }),
});
const fixedPlan = planSequential({
  initial: plan.max,
  step: 1,
  max: plan.max,
  alpha,
  correction: "holm",
  futility: { rule: "none" },
});

function parseFutility(text: string): FutilityRule | undefined {
  if (text === "default") return undefined;
  if (text === "none") return { rule: "none" };
  const [rule, below, from] = text.split(":");
  const name = rule === "cp" ? "conditional-power" : rule === "pp" ? "predictive-power" : undefined;
  if (!name || !(Number(below) >= 0))
    throw new Error(`--futility: none, cp:<below>[:<from look>] or pp:…, got ${text}`);
  return { rule: name, below: Number(below), ...(from !== undefined && { from: Number(from) }) };
}

// ——— effects, scaled to the design

/** The d_z at which a paired t-test on `n` seeds at level `level` has power `power` (bisection). */
function effectForPower(n: number, level: number, power: number): number {
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (pairedTTestPower(mid, n, level) < power) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
const medium = effectForPower(plan.max, alpha / 5, 0.8);
const effects = { null: 0, small: medium / 2, medium, large: 1.5 * medium };
type EffectName = keyof typeof effects | "mixed";
const cycle: (keyof typeof effects)[] = ["null", "small", "medium", "large"];
const effectOf = (name: EffectName, j: number) => effects[name === "mixed" ? cycle[j % 4]! : name];

// ——— seeded random numbers (one named stream per simulated sweep; t via a χ² draw)

function generator(seed: number) {
  const draws = randomStream(seed, "bench-seeds");
  const normal = () => draws.normal();
  /** Student t with 3 df scaled to unit variance (t_3 has variance 3). */
  const t3 = () => normal() / Math.sqrt(draws.chiSquare(3) / 3) / Math.sqrt(3);
  return { normal, t3 };
}

// ——— one simulated sweep

type Noise = "normal" | "t3";
const SIGMA = 0.01; // sd of one run's balanced accuracy around its configuration's mean

interface SweepOutcome {
  /** Per design: any true null called better/worse; share of true effects called better; trials per configuration. */
  sequential: { falseRejection: boolean; power: number; seeds: number };
  fixed: { falseRejection: boolean; power: number; seeds: number };
}

function simulate(effect: EffectName, noise: Noise, m: number, seed: number): SweepOutcome {
  const random = generator(seed);
  const draw = noise === "normal" ? random.normal : random.t3;
  const configs = ["baseline", ...Array.from({ length: m }, (_, j) => `c${String(j).padStart(2, "0")}`)];
  const seedEffect = Array.from({ length: plan.max }, () => 0.005 * random.normal());
  // true mean of each configuration: d_z × sd of a paired difference (σ√2: two runs' noise)
  const means = configs.map((_, i) => (i === 0 ? 0.8 : 0.8 + effectOf(effect, i - 1) * SIGMA * Math.SQRT2));
  const results = configs.map((_, i) =>
    plan.seeds.map((_, s) => means[i]! + seedEffect[s]! + SIGMA * draw()),
  );
  const observation = (i: number, s: number): Observation => ({
    config: configs[i]!,
    seed: plan.seeds[s]!,
    value: results[i]![s]!,
  });
  const truth = (config: string) => effectOf(effect, configs.indexOf(config) - 1);
  const score = (rows: { config: string; decision: string }[]) => {
    const nulls = rows.filter((r) => truth(r.config) === 0);
    const effective = rows.filter((r) => truth(r.config) !== 0);
    return {
      falseRejection: nulls.some((r) => r.decision === "better" || r.decision === "worse"),
      power:
        effective.length === 0
          ? Number.NaN
          : effective.filter((r) => r.decision === "better").length / effective.length,
    };
  };

  // sequential: feed only the seeds the design asked for, look by look
  const has = configs.map(() => 0);
  const observations: Observation[] = [];
  const runTo = (i: number, target: number) => {
    for (let s = has[i]!; s < target; s++) observations.push(observation(i, s));
    has[i] = Math.max(has[i]!, target);
  };
  for (let i = 0; i < configs.length; i++) runTo(i, plan.looks[0]!.seeds);
  let result = sequentialLook(plan, observations, { baseline: "baseline", look: 0, adjustedP: false });
  for (let look = 1; !result.done; look++) {
    runTo(0, result.baseline.targetSeeds);
    for (const row of result.rows) runTo(configs.indexOf(row.config), row.targetSeeds);
    result = sequentialLook(plan, observations, { baseline: "baseline", look, adjustedP: false });
  }
  const sequentialSeeds = has.reduce((a, b) => a + b, 0) / configs.length;

  // fixed: every configuration at max seeds, the same correction
  const all = configs.flatMap((_, i) => plan.seeds.map((_, s) => observation(i, s)));
  const fixed = sequentialLook(fixedPlan, all, { baseline: "baseline", look: 0, adjustedP: false });
  return {
    sequential: { ...score(result.rows), seeds: sequentialSeeds },
    fixed: { ...score(fixed.rows), seeds: plan.max },
  };
}

// ——— scenarios

interface DesignSummary {
  fwer: number | null;
  fwerSe: number | null;
  power: number | null;
  powerSe: number | null;
  seedsPerConfig: number;
}
interface ScenarioSummary {
  name: string;
  effect: EffectName;
  noise: Noise;
  configs: number;
  sequential: DesignSummary;
  fixed: DesignSummary;
  seedsRatio: number;
  powerDiff: number | null;
}

function summarise(
  outcomes: SweepOutcome["sequential"][],
  hasNull: boolean,
  hasEffect: boolean,
): DesignSummary {
  const n = outcomes.length;
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const seOf = (xs: number[]) => {
    const mu = meanOf(xs);
    return Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1) / xs.length);
  };
  const rejections = outcomes.map((o) => (o.falseRejection ? 1 : 0));
  const powers = outcomes.map((o) => o.power);
  const fwer = meanOf(rejections);
  return {
    fwer: hasNull ? fwer : null,
    fwerSe: hasNull ? Math.sqrt((fwer * (1 - fwer)) / n) : null,
    power: hasEffect ? meanOf(powers) : null,
    powerSe: hasEffect ? seOf(powers) : null,
    seedsPerConfig: meanOf(outcomes.map((o) => o.seeds)),
  };
}

const effectNames = args.effects!.split(",") as EffectName[];
const noises: Noise[] = ["normal", "t3"];
const sizes = args.configs!.split(",").map(Number);
const started = performance.now();
const scenarios: ScenarioSummary[] = [];
let scenarioIndex = 0;
for (const effect of effectNames)
  for (const noise of noises)
    for (const m of sizes) {
      const outcomes: SweepOutcome[] = [];
      for (let r = 0; r < reps; r++)
        outcomes.push(
          simulate(effect, noise, m, Number(args.seed) * 1_000_003 + scenarioIndex * 100_003 + r),
        );
      scenarioIndex++;
      const truths = Array.from({ length: m }, (_, j) => effectOf(effect, j));
      const hasNull = truths.some((d) => d === 0);
      const hasEffect = truths.some((d) => d !== 0);
      const sequential = summarise(
        outcomes.map((o) => o.sequential),
        hasNull,
        hasEffect,
      );
      const fixed = summarise(
        outcomes.map((o) => o.fixed),
        hasNull,
        hasEffect,
      );
      scenarios.push({
        name: `${effect}/${noise}/${m}`,
        effect,
        noise,
        configs: m,
        sequential,
        fixed,
        seedsRatio: sequential.seedsPerConfig / fixed.seedsPerConfig,
        powerDiff: hasEffect ? sequential.power! - fixed.power! : null,
      });
    }
const seconds = (performance.now() - started) / 1000;

const mediums = scenarios.filter((s) => s.effect === "medium");
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const overall = (design: "sequential" | "fixed") => ({
  fwer: Math.max(...scenarios.flatMap((s) => (s[design].fwer === null ? [] : [s[design].fwer!]))),
  power: mean(mediums.map((s) => s[design].power!)),
  seedsPerConfig: mean(mediums.map((s) => s[design].seedsPerConfig)),
});
const sequentialOverall = overall("sequential");
const fixedOverall = overall("fixed");
// "the same power": within 2 Monte-Carlo standard errors of the fixed design's on every medium scenario
const samePower = mediums.every(
  (s) => s.sequential.power! >= s.fixed.power! - 2 * Math.hypot(s.sequential.powerSe!, s.fixed.powerSe!),
);
const target = {
  seedsRatioMedium: sequentialOverall.seedsPerConfig / fixedOverall.seedsPerConfig,
  seedsTarget: 0.6,
  powerDiffMedium: sequentialOverall.power - fixedOverall.power,
  samePowerOnEveryMedium: samePower,
  holds: samePower && mediums.every((s) => s.seedsRatio <= 0.6),
};
const settings = {
  reps,
  seed: Number(args.seed),
  initial: plan.initial,
  step: plan.step,
  max: plan.max,
  looks: plan.looks.map((l) => l.seeds),
  alpha,
  correction: plan.correction,
  spending: plan.spending,
  futility: plan.futility,
  seconds: Number(seconds.toFixed(1)),
};

if (args.json) {
  console.log(
    JSON.stringify(
      { settings, effects, scenarios, sequential: sequentialOverall, fixed: fixedOverall, target },
      (_, v) => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v),
      2,
    ),
  );
} else {
  const pct = (x: number | null, se?: number | null) =>
    x === null ? "–" : `${(100 * x).toFixed(1)}${se == null ? "" : `±${(100 * se).toFixed(1)}`}`;
  console.log(
    `seeds ${plan.initial}+${plan.step}…${plan.max} (looks at ${settings.looks.join(", ")}), alpha ${alpha}, holm, ` +
      `${plan.spending} spending, futility ${JSON.stringify(plan.futility)}; ${reps} sweeps per scenario, ${seconds.toFixed(0)} s`,
  );
  console.log(
    `effects (d_z): small ${effects.small.toFixed(2)}, medium ${effects.medium.toFixed(2)}, large ${effects.large.toFixed(2)}; mixed cycles null/small/medium/large`,
  );
  console.log(
    "FWER and power in %, ± one Monte-Carlo standard error; seeds per configuration (baseline included)",
  );
  const header = [
    "scenario",
    "FWER seq",
    "FWER fixed",
    "power seq",
    "power fixed",
    "seeds seq",
    "seeds fixed",
    "ratio",
  ];
  const lines = scenarios.map((s) => [
    s.name,
    pct(s.sequential.fwer, s.sequential.fwerSe),
    pct(s.fixed.fwer, s.fixed.fwerSe),
    pct(s.sequential.power, s.sequential.powerSe),
    pct(s.fixed.power, s.fixed.powerSe),
    s.sequential.seedsPerConfig.toFixed(1),
    s.fixed.seedsPerConfig.toFixed(0),
    s.seedsRatio.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines])
    console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
  console.log(
    `worst FWER: sequential ${pct(sequentialOverall.fwer)}, fixed ${pct(fixedOverall.fwer)} (alpha ${100 * alpha} %)`,
  );
  console.log(
    `medium scenarios: power ${pct(sequentialOverall.power)} vs ${pct(fixedOverall.power)}, seeds ${(100 * target.seedsRatioMedium).toFixed(0)} % of fixed ` +
      `(target: same power at ≤ 60 %): ${target.holds ? "holds" : "does not hold"}`,
  );
}
