import { z } from "zod";
import {
  CURRENT_DATASET_VERSION,
  classOrderProblem,
  DatasetNameSchema,
  DatasetRecipeSchema,
  withStoredDatasetVersion,
} from "./dataset";
import { ConfigError, isConfigError } from "./errors";
import { nearestName } from "./issue-messages";
import { ModelConfigSchema, TrainConfigSchema, VariantSchema } from "./model-config";
import {
  describeIssues,
  EXPLICIT_GAMMA_KNOBS,
  explicitGammaLaunchProblem,
  type RunConfig,
  resolveRunConfig,
  usedModalitiesProblem,
} from "./run-config";
import {
  countTrials,
  DEFAULT_DECIDE_TOP,
  DEFAULT_SWEEP_LIMITS,
  formatCount,
  SWEEP_FILE_LIMITS as LIMIT,
  MAX_TRIALS_CEILING,
  MAX_TRIALS_ENV,
  type SweepLimits,
} from "./sweep-limits";
import { noNul } from "./text";
import { metricDirection } from "./trial-metrics";

/** Epochs between a trial's checkpoints when its sweep's `execution.checkpointEvery` is absent. */
export const DEFAULT_CHECKPOINT_EVERY = 1;

/** Short names for the knobs a study sweeps most; any other knob is written `model.x`, `dataset.x` or `train.x`. */
export const PARAM_ALIASES: Record<string, string> = {
  nu: "model.nu",
  gamma: "model.gamma",
  labelRatio: "dataset.labelRatio",
  beta: "dataset.labelRatio",
  imbalanceRatio: "dataset.imbalanceRatio",
  rho: "dataset.imbalanceRatio",
  variant: "variant",
};

/** The knob each trial's seed sets: a sweep's seeds come from its `seeds` field, never from this knob. */
export const TRIAL_SEED_KNOB = "train.seed";

const scalar = z.union(
  [z.number(), noNul(z.string().max(LIMIT.text, `must be at most ${LIMIT.text} characters`)), z.boolean()],
  { error: "must be a number, a text or true/false" },
);
/** A grid value may be any JSON value the knob accepts (e.g. a widths list). */
const gridValue = z.union(
  [scalar, z.array(scalar).max(LIMIT.listValue, `must be a list of at most ${LIMIT.listValue} entries`)],
  { error: "must be a number, a text, true/false, or a list of those" },
);
/** A knob's values: one to LIMIT.valuesPerKnob of them, each tried (or drawn) in turn. */
const valueList = z
  .array(gridValue)
  .min(1, "must list at least one value")
  .max(
    LIMIT.valuesPerKnob,
    `must list at most ${LIMIT.valuesPerKnob} values; for a wider range, draw from a distribution with a budget`,
  );
/** A map from knob names to `value`, with at most LIMIT.keys knobs. */
const knobMap = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string(), value)
    .refine((r) => Object.keys(r).length <= LIMIT.keys, `must name at most ${LIMIT.keys} knobs`);

/** A loguniform range's bound: its logarithm is drawn uniformly, so the range is of positive numbers alone. */
const positiveBound = z.number().gt(0, {
  error: (issue) =>
    `must be > 0, got ${String(issue.input)}: loguniform draws positive numbers (for a knob below 0, as model.gamma, use uniform)`,
});

/** A random distribution over one knob (sampled `budget` times). */
export const DistributionSchema = z.discriminatedUnion("distribution", [
  z.object({ distribution: z.literal("uniform"), low: z.number(), high: z.number() }).strict(),
  z.object({ distribution: z.literal("loguniform"), low: positiveBound, high: positiveBound }).strict(),
  z.object({ distribution: z.literal("int"), low: z.number().int(), high: z.number().int() }).strict(),
  z.object({ distribution: z.literal("categorical"), values: valueList }).strict(),
]);
export type Distribution = z.infer<typeof DistributionSchema>;

/** One knob of the search space: grid values, or a distribution. */
export const ParamSpecSchema = z.union([valueList, DistributionSchema], {
  error:
    "must be a list of values to try, or a distribution ({ distribution: uniform | loguniform | int | categorical, … })",
});
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

/** Metrics a sweep can optimise or rank by (test set unless named otherwise). */
export const ObjectiveMetricSchema = z.enum([
  "balancedAccuracy",
  "accuracy",
  "macroF1",
  "gMean",
  "minorityRecall",
]);
export type ObjectiveMetric = z.infer<typeof ObjectiveMetricSchema>;

/** Which way a metric is better. */
export type ObjectiveDirection = "maximize" | "minimize";

/** The fewest and most entries of a sweep's `objectives` (a front over more is a cloud, and every one adds tests). */
export const OBJECTIVES_LIMITS = { min: 2, max: 4 } as const;

/** One entry of `objectives:` as written: a metric and, optionally, which way is better. */
const ObjectiveEntrySchema = z
  .object({
    metric: ObjectiveMetricSchema,
    direction: z
      .enum(["maximize", "minimize"])
      .optional()
      .describe("Whether higher or lower is better; absent, the metric's own direction, else maximize."),
  })
  .strict();

/** One resolved objective of a multi-objective sweep: its direction written in. */
export interface SweepObjective {
  metric: ObjectiveMetric;
  direction: ObjectiveDirection;
}

/** The largest seed: what the trainer's generators take (a 32-bit signed integer). */
export const MAX_SEED = 2 ** 31 - 1;
/** What a seed may be. */
const SEED_RULE = `a whole number from 0 to ${MAX_SEED}`;
const SEED_COUNT_RULE = "a whole number from 1 to 1000, meaning seeds 1..n";

/** A value as a refusal quotes it: NaN, Infinity and 1.5 as such, text in quotes. */
function shown(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === undefined) return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** One seed (of a sweep file's list, or one added later); every refusal says what a seed may be and what was given (YAML's .nan, 1.5). */
export const SeedSchema = (() => {
  const error = (issue: { input?: unknown }) => `must be ${SEED_RULE}, got ${shown(issue.input)}`;
  return z.number({ error }).int({ error }).min(0, { error }).max(MAX_SEED, { error });
})();

/** `seeds: n`, meaning seeds 1..n. */
const seedCount = (() => {
  const error = (issue: { input?: unknown }) => `must be ${SEED_COUNT_RULE}, got ${shown(issue.input)}`;
  return z.number({ error }).int({ error }).min(1, { error }).max(1000, { error });
})();

/** Sweep and project names: safe in file names, URLs and subjects. */
const IdentifierSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "letters, digits, '.', '_' and '-' only, starting with a letter or digit",
  );

/** `seeds: { initial, step, max }`: a sequential design's seeds per configuration. */
const SequentialSeedsSchema = z
  .object({
    /** Seeds every configuration runs before the first look (at least 2: a paired t-test needs a spread). */
    initial: z.number().int().min(2).max(1000),
    /** Seeds added at each later look, to the comparisons still open. */
    step: z.number().int().min(1).max(1000),
    /** The most seeds a configuration runs; the last look is there. */
    max: z.number().int().min(2).max(1000),
  })
  .strict();

/**
 * `decide:` of a sequential sweep: the baseline every configuration is compared with (`key=value` pairs of its
 * searched knobs, e.g. `variant=gaussian`), the metric (default the objective's), the family-wise error rate and how
 * it is shared across the comparisons. Benjamini–Hochberg is not offered: it controls a false discovery rate at one
 * look, not under stopping early (docs/statistics.md, "Sequential design"). With `method: tpe`, `top` is how many of
 * the search's best configurations make the family (docs/sweeps.md, "TPE with a sequential design").
 */
export const DecideSchema = z
  .object({
    baseline: noNul(z.string().min(1).max(500)).describe(
      "With seeds: { initial, step, max }: the configuration every other is compared with, seed by seed, as knob=value pairs of searched knobs separated by spaces (e.g. variant=gaussian); in a grid, a value of every knob listed with several values, so that it names one configuration. For a fixed number of seeds leave this section empty and compare afterwards (tailsweep compare).",
    ),
    top: z
      .number()
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe(
        `With method: tpe, how many of the search's best configurations (by their mean on the search seeds) are compared with the baseline on fresh seeds (default ${DEFAULT_DECIDE_TOP}).`,
      ),
    metric: ObjectiveMetricSchema.optional().describe(
      "The test-set metric the comparisons decide on (default: the objective's).",
    ),
    alpha: z
      .number()
      .gt(0)
      .max(0.2)
      .default(0.05)
      .describe(
        "The family-wise error rate: the chance, over every look and every comparison, of calling any configuration better or worse than the baseline when it is not.",
      ),
    correction: z
      .enum(["holm", "bonferroni"], {
        error:
          "must be holm or bonferroni (Benjamini–Hochberg controls a false discovery rate at one look, not under early stopping)",
      })
      .default("holm")
      .describe(
        "How alpha is shared across the comparisons: holm (step-down: what one decision frees goes to the rest) or bonferroni (alpha / comparisons each). Benjamini–Hochberg is not offered: it controls a false discovery rate at one look, not under stopping early.",
      ),
    spending: z
      .enum(["obrien-fleming", "pocock"])
      .default("obrien-fleming")
      .describe(
        "How each comparison's alpha is spent over the looks: obrien-fleming (almost nothing early, so the last look is nearly the fixed design's test) or pocock (more early: large effects stop sooner, at the cost of some power at the last look).",
      ),
  })
  .strict();
export type Decide = z.infer<typeof DecideSchema>;

/**
 * Which simulation stream a sequential design's boundaries are calibrated on (docs/statistics.md, "Sequential
 * design"): 2 for designs written now, 1 for those stored before calibrations carried a version, whose looks must
 * replay with the boundaries they were decided with.
 */
export const CalibrationVersionSchema = z.union([z.literal(1), z.literal(2)]);
export type CalibrationVersion = z.infer<typeof CalibrationVersionSchema>;
/** The calibration a new sequential design gets. */
export const CURRENT_CALIBRATION_VERSION: CalibrationVersion = 2;

/** A sweep's sequential design, resolved: its seeds in run order and how it decides. */
export interface SequentialDesign {
  initial: number;
  step: number;
  max: number;
  /**
   * Look k analyses the first initial + k·step of them: 1..max for a grid; for a TPE search, which ran each proposal
   * on seeds 1..initial, the fresh seeds initial+1..initial+max, so the decisions are not made on the seeds the
   * configurations were chosen by.
   */
  seeds: number[];
  decide: Decide & { metric: ObjectiveMetric };
  /** Absent only in a spec built by hand (the current one is used); parseSweepFile writes it in. */
  calibration?: CalibrationVersion;
}

/** Random configurations a TPE sweep runs before its model is used, when `tpe.startup` is absent (Optuna's n_startup_trials). */
export const DEFAULT_TPE_STARTUP = 10;
/** Configurations a TPE sweep keeps in flight at once, when `tpe.parallel` is absent. */
export const DEFAULT_TPE_PARALLEL = 4;

/**
 * `tpe:` of a sweep with `method: tpe` (docs/sweeps.md, "method: tpe"): how many configurations are random draws from
 * the prior before the model is fitted, and how many configurations run at once (each new one is proposed with the
 * others in flight counted as bad: the constant liar).
 */
export const TpeSettingsSchema = z
  .object({
    startup: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe(
        `Configurations with results before the model proposes: until then each is a random draw from the search space (default ${DEFAULT_TPE_STARTUP}, Optuna's n_startup_trials).`,
      ),
    parallel: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        `Configurations in flight at once, each on every seed (default ${DEFAULT_TPE_PARALLEL}): more keeps more workers busy, fewer lets each proposal learn from more results. Workers beyond parallel × seeds wait.`,
      ),
  })
  .strict();
export type TpeSweepSettings = z.infer<typeof TpeSettingsSchema>;

/** A sweep file as written (YAML or JSON). */
export const SweepFileSchema = z
  .object({
    name: IdentifierSchema.describe(
      "The sweep's name, shown in the sweep list and in its exports' file names; names may repeat, each sweep has its own id.",
    ),
    project: IdentifierSchema.default("default").describe(
      "The project the sweep belongs to: where it is listed and compared, and, in a team, whose members may see and launch it.",
    ),
    description: noNul(z.string().max(2000, "must be at most 2000 characters"))
      .optional()
      .describe("What the sweep is for, in a sentence: shown with it in the dashboard."),
    variant: VariantSchema.default("proposed").describe(
      "The model: proposed = the Student-t multimodal VAE with a product of experts; or a baseline built from the same code: gaussian (Gaussian latent with KL), concat (one encoder on the concatenated modalities), mixture (a mixture of experts), single (the MNIST digit alone), supervised (the classifier alone, on the labeled rows), logit-adjusted (the proposed model with logit adjustment, Menon et al. 2021), aligned (the proposed model with ReMixMatch's distribution alignment of the pseudo-labels); and ablations that take the proposed model apart: student-t-kl (Student-t with the KL instead of the γ-loss), gaussian-matched (Gaussian with a variance penalty matched to the γ-regulariser's), concat-fusion (concatenation with the PoE classifier kept). Search it to compare them; model settings written here override what a variant sets.",
    ),
    dataset: knobMap(z.unknown()).default({}),
    model: knobMap(z.unknown()).default({}),
    /** Fixed training settings; not `seed`, which each trial takes from `seeds`. */
    train: knobMap(z.unknown()).default({}),
    search: knobMap(ParamSpecSchema).default({}),
    budget: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe(
        "How many configurations to draw when a search knob is a distribution (or method is random or tpe), each run with every seed; required then, and refused for a grid, which runs every combination.",
      ),
    method: z
      .enum(["grid", "random", "tpe"], {
        error: (issue) => `must be grid, random or tpe, got '${String(issue.input)}'`,
      })
      .optional()
      .describe(
        "How configurations are chosen: grid = every combination of the listed values; random = budget draws (a list counts as a categorical knob); tpe = budget configurations proposed one after another by a tree-structured Parzen estimator that learns from the finished ones' objective (docs/sweeps.md, method: tpe). Absent: grid when every knob lists values, random when any is a distribution.",
      ),
    tpe: TpeSettingsSchema.optional().describe("Settings of method: tpe (only with it)."),
    seeds: z
      .union(
        [
          z
            .array(SeedSchema)
            .min(1, "must list at least one seed")
            .max(LIMIT.seeds, `must list at most ${LIMIT.seeds} seeds`),
          seedCount,
          SequentialSeedsSchema,
        ],
        {
          error: `must be a list of seeds (${SEED_RULE} each), how many seeds (${SEED_COUNT_RULE}), or a sequential design { initial, step, max }`,
        },
      )
      .default(3)
      .describe(
        "The seeds every configuration runs, so configurations are compared seed by seed: a count n (seeds 1 to n), a list, or a sequential design { initial, step, max } with decide (seeds 1 to initial, then step more at a time for the comparisons still open, up to max). Below 3, a configuration's intervals and effect size can be wildly off; the study used 5.",
      ),
    /** How a sequential design decides (with `seeds: { initial, step, max }`). */
    decide: DecideSchema.optional(),
    samplerSeed: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        "Seed of the random or TPE search itself: which configurations are drawn or proposed (the trials' own seeds are in seeds).",
      ),
    objective: z
      .object({
        metric: ObjectiveMetricSchema.default("balancedAccuracy").describe(
          "The test-set metric configurations are ranked and compared by: balancedAccuracy (mean recall over the classes), accuracy, macroF1, gMean (geometric mean of the recalls) or minorityRecall (mean recall of the 30 % of classes with the fewest labeled rows).",
        ),
        direction: z
          .enum(["maximize", "minimize"])
          .default("maximize")
          .describe("Whether a higher or a lower metric is better; every metric offered is better higher."),
      })
      .strict()
      .default({ metric: "balancedAccuracy", direction: "maximize" }),
    objectives: z
      .array(ObjectiveEntrySchema)
      .min(
        OBJECTIVES_LIMITS.min,
        `must list at least ${OBJECTIVES_LIMITS.min} objectives (one is objective:)`,
      )
      .max(OBJECTIVES_LIMITS.max, `must list at most ${OBJECTIVES_LIMITS.max} objectives`)
      .optional()
      .describe(
        "Several objectives at once, e.g. [{ metric: balancedAccuracy }, { metric: minorityRecall }] (2 to 4 distinct metrics; direction defaults to the metric's own, else maximize): method tpe proposes toward their Pareto front (multi-objective TPE), compare defaults to the front, and the first one is the objective for everything that ranks by one metric (objective may be left out, or must equal it).",
      ),
    execution: z
      .object({
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(3)
          .describe(
            "Attempts a trial gets before it counts as failed: a trial whose worker goes silent is queued again as a new attempt (a worker that shuts down cleanly hands it back without using one).",
          ),
        heartbeatSeconds: z
          .number()
          .min(1)
          .max(3600)
          .default(10)
          .describe(
            "Seconds between a worker's heartbeats for a running trial; after 3 missed heartbeats the trial is queued again, as a new attempt.",
          ),
        trialTimeoutSeconds: z
          .number()
          .min(1)
          .max(7 * 24 * 3600)
          .default(6 * 3600)
          .describe(
            "Seconds a trial may train before it is stopped and failed, without a retry (default 6 hours, at most 7 days): 900 for the study, a day at the paper preset's size.",
          ),
        gpu: z
          .union([z.boolean(), knobMap(valueList)], {
            error: "must be true, false, or a map from knobs to the values whose trials need a GPU",
          })
          .default(false)
          .describe(
            "Which trials only a GPU worker may run: true = all, false = none, or a map from knobs to values ({ variant: [proposed] }) for the trials that have one of the listed values for every knob named. Other trials go to any worker.",
          ),
        // The three below are optional rather than defaulted: a sweep's id hashes its resolved spec, and a default
        // written in would give every stored sweep's file a new id. Absent means the default named.
        checkpointEvery: z
          .number()
          .int()
          .min(0)
          .max(100_000)
          .optional()
          .describe(
            `Epochs between a trial's checkpoints (weights, optimiser state, random-stream state), from which a retried attempt resumes bit for bit instead of starting over; 0 = none. Default ${DEFAULT_CHECKPOINT_EVERY}.`,
          ),
        keepCheckpoint: z
          .boolean()
          .optional()
          .describe(
            "Keep a trial's last checkpoint after it succeeds (default false: deleted then; it only serves retries). Every checkpoint and artifact goes with its sweep when the sweep is deleted.",
          ),
        artifacts: z
          .enum(["all", "none"])
          .optional()
          .describe(
            "What each succeeded trial keeps: all = its final weights, test-set class probabilities and confusion matrix (the default); none = only its metrics.",
          ),
      })
      .strict()
      .default({ maxAttempts: 3, heartbeatSeconds: 10, trialTimeoutSeconds: 6 * 3600, gpu: false }),
  })
  .strict();
export type SweepFileInput = z.input<typeof SweepFileSchema>;

/** A validated sweep: search keys are canonical paths (`model.nu`), seeds a list, method decided. */
export interface SweepSpec
  extends Omit<
    z.infer<typeof SweepFileSchema>,
    "search" | "seeds" | "decide" | "method" | "tpe" | "objectives"
  > {
  search: Record<string, ParamSpec>;
  /**
   * The seeds every configuration runs: a grid's sequential design's first look's, until later looks add theirs; a
   * TPE search's with a sequential design, its search seeds (its decision stage runs `sequential.seeds`).
   */
  seeds: number[];
  /** Present for `seeds: { initial, step, max }`: the sweep adds seeds in rounds and decides as it goes. */
  sequential?: SequentialDesign;
  /**
   * The file's `method`, or when it has none: `grid` when every knob lists values, `random` when any has a
   * distribution (then `budget` draws). `tpe`: `budget` configurations proposed as results come in.
   */
  method: "grid" | "random" | "tpe";
  /** Present with `method: tpe`, its defaults written in. */
  tpe?: Required<TpeSweepSettings>;
  /**
   * Present when the file lists `objectives`, each direction written in; `objective` is then its first entry.
   * Absent otherwise, so a file without it keeps its spec and id.
   */
  objectives?: SweepObjective[];
}

/**
 * The shape of a SweepSpec that `parseSweepFile` made, for reading one back (from the database): it checks the
 * shape, not again every knob's values, which were checked at submission.
 */
export const SweepSpecSchema = SweepFileSchema.omit({ search: true, seeds: true, decide: true })
  .extend({
    search: z.record(z.string(), ParamSpecSchema),
    seeds: z.array(SeedSchema).min(1),
    method: z.enum(["grid", "random", "tpe"]),
    tpe: z
      .object({ startup: z.number().int().min(1), parallel: z.number().int().min(1) })
      .strict()
      .optional(),
    objectives: z
      .array(
        z.object({ metric: ObjectiveMetricSchema, direction: z.enum(["maximize", "minimize"]) }).strict(),
      )
      .min(OBJECTIVES_LIMITS.min)
      .max(OBJECTIVES_LIMITS.max)
      .optional(),
    sequential: SequentialSeedsSchema.extend({
      seeds: z.array(SeedSchema).min(2),
      decide: DecideSchema.extend({ metric: ObjectiveMetricSchema }),
      calibration: CalibrationVersionSchema.optional(),
    })
      .strict()
      .optional(),
  })
  .strict();

/**
 * A SweepSpec as stored: one written before dataset recipes carried a version reads back with version 1, the
 * generator its trials were built with ({@link withStoredDatasetVersion}); a sequential design stored before
 * calibrations carried a version reads back with calibration 1, the boundaries its looks were decided with.
 */
export const StoredSweepSpecSchema = z.preprocess((value) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const sequential = "sequential" in value ? value.sequential : undefined;
  return {
    ...value,
    dataset: withStoredDatasetVersion("dataset" in value ? value.dataset : {}),
    ...(typeof sequential === "object" &&
      sequential !== null &&
      !("calibration" in sequential) && { sequential: { ...sequential, calibration: 1 } }),
  };
}, SweepSpecSchema);

const SECTION_KNOBS: Record<string, readonly string[]> = {
  model: Object.keys(ModelConfigSchema.shape),
  dataset: Object.keys(DatasetRecipeSchema.shape),
  train: Object.keys(TrainConfigSchema.shape),
};

/** Canonical path of a search key, or undefined when it names no knob. */
export function canonicalParam(key: string): string | undefined {
  // Own keys only: `key in` would take `constructor` or `toString` for a knob, inherited from Object.prototype.
  if (Object.hasOwn(PARAM_ALIASES, key)) return PARAM_ALIASES[key];
  const [section, knob, ...rest] = key.split(".");
  return rest.length === 0 &&
    knob !== undefined &&
    Object.hasOwn(SECTION_KNOBS, section!) &&
    SECTION_KNOBS[section!]!.includes(knob)
    ? key
    : undefined;
}

/** Sets one knob (canonical path) in a run-config-shaped object, returning a new object. */
export function withParam(
  base: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  if (path === "variant") return { ...base, variant: value };
  const [section, key] = path.split(".") as [string, string];
  return { ...base, [section]: { ...((base[section] as Record<string, unknown>) ?? {}), [key]: value } };
}

/**
 * Validates a sweep file: the file's shape, every search key, and every grid value and distribution bound against
 * the knob's own rules, so that `search.nu[2]: …` points at the offending entry, and how many trials it expands to
 * (counted, not expanded) against `limits.maxTrials`. Throws ConfigError listing all.
 */
export function parseSweepFile(input: unknown, limits: SweepLimits = DEFAULT_SWEEP_LIMITS): SweepSpec {
  const parsed = SweepFileSchema.safeParse(input ?? {});
  if (!parsed.success)
    throw new ConfigError([...describeIssues(parsed.error), ...laterProblems(input, parsed.error, limits)]);
  const file = parsed.data;
  const base = { variant: file.variant, dataset: file.dataset, model: file.model, train: file.train };
  const problems: string[] = fixedSeedProblems(file.train);
  const baseProblems = new Set<string>();
  const searched = Object.keys(file.search).flatMap((key) => canonicalParam(key) ?? []);
  // An explicit γ is checked here, not by resolveRunConfig: whether it can train depends on knobs a search may vary.
  const launch = { launch: true, explicitGamma: false };
  try {
    resolveRunConfig(base, launch);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    for (const p of e.problems) baseProblems.add(p);
    problems.push(...e.problems);
  }
  const baseGamma = gammaKnobsBesides(searched) ? undefined : explicitGammaAt(base);
  if (baseGamma) problems.push(`model.gamma: ${baseGamma}`);
  const under = (p: string, path: string) => p.startsWith(`${path}:`) || p.startsWith(`${path}.`);
  /**
   * One value's problems under the knob's own rule, without the path; the base config's are reported once, above.
   * With `others`, also what the value breaks elsewhere in every trial that has it (`dataset.name: user` without a
   * path), unless a searched knob may mend it in some trials; otherwise the trials fail only when expanded. With
   * `others`, a value of a knob an explicit γ's check reads is also checked for it, where no other such knob is
   * searched (explicitGammaGridProblems checks a grid's combinations).
   */
  const valueProblems = (path: string, value: unknown, others = false): string[] => {
    const point = withParam(base, path, value);
    const checksGamma = others && EXPLICIT_GAMMA_KNOBS.includes(path) && !gammaKnobsBesides(searched, path);
    const gammaLines = (gamma: string | undefined) =>
      gamma ? [path === "model.gamma" ? gamma : `with this value, model.gamma: ${gamma}`] : [];
    try {
      const config = resolveRunConfig(point, launch);
      return checksGamma ? gammaLines(explicitGammaLaunchProblem(config.model, config.dataset.name)) : [];
    } catch (e) {
      if (!isConfigError(e)) throw e;
      const own = e.problems.filter((p) => under(p, path)).map((p) => p.slice(p.indexOf(":") + 2));
      const elsewhere = others
        ? e.problems.filter(
            (p) => !under(p, path) && !baseProblems.has(p) && !searched.some((knob) => under(p, knob)),
          )
        : [];
      // refused at launch: γ is still checked where the config resolves without the launch's own checks
      const gamma = checksGamma ? gammaLines(explicitGammaAt(point)) : [];
      return [...own, ...elsewhere.map((p) => `with this value, ${p}`), ...gamma];
    }
  };
  const search: Record<string, ParamSpec> = {};
  for (const [key, spec] of Object.entries(file.search)) {
    const path = canonicalParam(key);
    if (!path) {
      const knobs = [
        ...Object.keys(PARAM_ALIASES),
        ...Object.entries(SECTION_KNOBS).flatMap(([section, names]) => names.map((k) => `${section}.${k}`)),
      ];
      const guess = nearestName(key, knobs);
      problems.push(
        `search.${key}: unknown knob${guess ? ` (did you mean ${guess}?)` : ""}; use ${Object.keys(PARAM_ALIASES).join(", ")} or model.<knob>, dataset.<knob>, train.<knob>`,
      );
      continue;
    }
    if (path in search) {
      problems.push(`search.${key}: ${path} is already searched under another name`);
      continue;
    }
    if (path === TRIAL_SEED_KNOB) {
      problems.push(
        `search.${key}: seeds are not searched: list them in the sweep's seeds field (e.g. seeds: [7, 8]); every configuration runs once per seed`,
      );
      continue;
    }
    search[path] = spec;
    const check = (value: unknown, where: string) => {
      for (const p of valueProblems(path, value, true)) problems.push(`${where}: ${p}`);
    };
    const listed = searchedValues(spec, key);
    if (listed) {
      for (const { value, field } of listed) check(value, field);
      // A value listed twice would be one configuration twice, under one stable trial key (issue #18's keys).
      const seen = new Map<string, string>();
      for (const { value, field } of listed) {
        const first = seen.get(JSON.stringify(value));
        if (first === undefined) seen.set(JSON.stringify(value), field);
        else problems.push(`${field}: ${JSON.stringify(value)} is ${first} already; list each value once`);
      }
    } else {
      const range = searchedRange(spec);
      if (range) {
        if (!(range.low < range.high))
          problems.push(`search.${key}: low must be below high (got ${range.low} and ${range.high})`);
        check(range.low, `search.${key}.low`);
        check(range.high, `search.${key}.high`);
      }
    }
  }
  problems.push(...builtInPairProblems(file, search));
  const drawn = Object.values(search).some((s) => !Array.isArray(s));
  // Written, the method is what the file says; absent, it is what the search space implies (as always).
  const method = file.method ?? (drawn ? "random" : "grid");
  const random = method !== "grid";
  if (method === "grid" && drawn)
    problems.push(
      `method: grid runs every combination of listed values, but ${Object.keys(file.search)
        .filter((k) => !Array.isArray(file.search[k]))
        .map((k) => `search.${k}`)
        .join(", ")} is a distribution; list its values, or use method: random or tpe with a budget`,
    );
  else if (random && file.budget === undefined)
    problems.push(
      file.method
        ? `budget: required with method: ${file.method} (how many configurations to ${file.method === "tpe" ? "propose" : "draw"})`
        : "budget: required when the search space has a distribution",
    );
  if (!random && !drawn && file.budget !== undefined)
    problems.push("budget: only used with distributions; a grid runs every combination");
  if (file.tpe && method !== "tpe")
    problems.push(`tpe: only used with method: tpe (this sweep's method is ${method})`);
  if (method === "tpe" && Object.keys(file.search).length === 0)
    problems.push("search: method: tpe needs at least one knob to search");
  const trials = countTrials({ ...file, method });
  // a grid refused for its size is not run through combination by combination
  if (method !== "grid" || trials <= limits.maxTrials)
    problems.push(...explicitGammaGridProblems(base, file.search));
  if (trials > limits.maxTrials) {
    const seeds =
      typeof file.seeds === "number"
        ? file.seeds
        : Array.isArray(file.seeds)
          ? file.seeds.length
          : file.seeds.max;
    const design = typeof file.seeds === "object" && !Array.isArray(file.seeds) ? file.seeds : undefined;
    const factors = random
      ? [
          method === "tpe" && design
            ? `budget ${file.budget} × ${design.initial} search seeds + ${Math.min(file.decide?.top ?? DEFAULT_DECIDE_TOP, file.budget ?? 0) + 1} decided`
            : `budget ${file.budget}`,
        ]
      : Object.entries(file.search).map(([key, spec]) => `${Array.isArray(spec) ? spec.length : 1} ${key}`);
    problems.push(
      `${random ? "budget" : "search"}: this sweep expands to ${formatCount(trials)} trials (${[...factors, `${seeds} seed${seeds === 1 ? "" : "s"}`].join(" × ")}), more than the limit of ${formatCount(limits.maxTrials)} per sweep; try fewer values or seeds, or split it into several sweeps, or raise the limit with ${MAX_TRIALS_ENV} (at most ${formatCount(MAX_TRIALS_CEILING)}) where it is launched`,
    );
  }
  const gpu = file.execution.gpu;
  const gpuRule: Exclude<typeof gpu, boolean> = {};
  if (typeof gpu === "object") {
    if (Object.keys(gpu).length === 0)
      problems.push("execution.gpu: name at least one knob, or write true or false");
    for (const [key, values] of Object.entries(gpu)) {
      const path = canonicalParam(key);
      if (!path) {
        problems.push(
          `execution.gpu.${key}: unknown knob; name a knob as in search (variant, nu, model.<knob>, …)`,
        );
        continue;
      }
      if (path in gpuRule) {
        problems.push(`execution.gpu.${key}: ${path} is already named under another name`);
        continue;
      }
      gpuRule[path] = values;
      for (const [i, v] of values.entries())
        for (const p of valueProblems(path, v)) problems.push(`execution.gpu.${key}[${i}]: ${p}`);
      problems.push(...unmatchable(`execution.gpu.${key}`, path, values, search[path], search, base));
    }
  }
  const objectives = resolveObjectives(file.objectives);
  problems.push(...objectivesProblems(file.objectives, file.objective, writesObjective(input)));
  const design = typeof file.seeds === "object" && !Array.isArray(file.seeds) ? file.seeds : undefined;
  if (design)
    problems.push(
      ...sequentialProblems(design, file.decide, file.search, method, file.budget, valueProblems, search),
    );
  else if (file.decide)
    problems.push(
      "decide: only for a sequential design: write seeds as { initial, step, max } (or drop decide and compare afterwards with tailsweep compare)",
    );
  const count = design ? design.initial : typeof file.seeds === "number" ? file.seeds : undefined;
  const seeds = Array.isArray(file.seeds) ? file.seeds : Array.from({ length: count! }, (_, i) => i + 1);
  const firstAt = new Map<number, number>();
  for (const [i, seed] of seeds.entries()) {
    const first = firstAt.get(seed);
    if (first === undefined) firstAt.set(seed, i);
    else problems.push(`seeds[${i}]: must not repeat a seed (${seed} is seeds[${first}] already)`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const execution = { ...file.execution, gpu: typeof gpu === "object" ? gpuRule : gpu };
  const { decide, tpe, objectives: _written, ...rest } = file;
  // With objectives, the first is the objective of everything that ranks by one metric (and of decide's default).
  const objective = objectives?.[0] ?? file.objective;
  return {
    ...rest,
    objective,
    ...(objectives && { objectives }),
    // The generator is written into the spec, so reading it back later cannot mistake it for a stored, unversioned
    // (version 1) one.
    dataset: { version: CURRENT_DATASET_VERSION, ...rest.dataset },
    execution,
    search,
    seeds,
    method,
    ...(method === "tpe" && {
      tpe: {
        startup: tpe?.startup ?? DEFAULT_TPE_STARTUP,
        parallel: tpe?.parallel ?? DEFAULT_TPE_PARALLEL,
      },
    }),
    ...(design &&
      decide && {
        sequential: {
          ...design,
          // A TPE search's decision stage runs fresh seeds after its search seeds (SequentialDesign.seeds).
          seeds: Array.from(
            { length: design.max },
            (_, i) => i + 1 + (method === "tpe" ? design.initial : 0),
          ),
          decide: {
            ...decide,
            metric: decide.metric ?? objective.metric,
            ...(method === "tpe" && { top: decide.top ?? DEFAULT_DECIDE_TOP }),
          },
          calibration: CURRENT_CALIBRATION_VERSION,
        },
      }),
  };
}

/** Whether a sweep file as given writes `objective` itself (the schema fills it in when it does not). */
function writesObjective(input: unknown): boolean {
  return typeof input === "object" && input !== null && "objective" in input;
}

/** `objectives` as written, each direction resolved: the metric's own where it has one, else maximize. */
function resolveObjectives(
  written: readonly { metric: ObjectiveMetric; direction?: ObjectiveDirection | undefined }[] | undefined,
): SweepObjective[] | undefined {
  return written?.map((o) => ({
    metric: o.metric,
    direction: o.direction ?? metricDirection(o.metric) ?? "maximize",
  }));
}

/**
 * What is wrong with `objectives` beyond its shape: a metric listed twice, a direction against the metric's own, and
 * an `objective` written beside it that is not its first entry. Optuna refuses `direction` with `directions`; a file
 * may still write both when they agree (a form that always writes `objective`), but never two different answers to
 * "what does this sweep rank by".
 */
function objectivesProblems(
  written: readonly { metric: ObjectiveMetric; direction?: ObjectiveDirection | undefined }[] | undefined,
  objective: SweepObjective,
  objectiveWritten: boolean,
): string[] {
  if (!written) return [];
  const problems = repeatedObjectives(written);
  for (const [i, o] of written.entries()) {
    const own = metricDirection(o.metric);
    if (own && o.direction && o.direction !== own)
      problems.push(
        `objectives[${i}].direction: ${o.metric} is better ${own === "maximize" ? "higher" : "lower"}; write ${own} or leave it out`,
      );
  }
  const [first] = resolveObjectives(written) ?? [];
  if (
    objectiveWritten &&
    first &&
    (objective.metric !== first.metric || objective.direction !== first.direction)
  )
    problems.push(
      `objective: with objectives, the first of them (${first.metric}, ${first.direction}) is the objective every single-metric view ranks by; leave objective out, or make it the same (got ${objective.metric}, ${objective.direction})`,
    );
  return problems;
}

/**
 * A metric listed twice in `objectives`, read from the input as given, so that it is named even when another entry's
 * shape is refused (and the field left out of the later checks).
 */
function repeatedObjectives(written: unknown): string[] {
  if (!Array.isArray(written)) return [];
  const problems: string[] = [];
  const firstAt = new Map<string, number>();
  for (const [i, o] of written.entries()) {
    const metric = typeof o === "object" && o !== null && "metric" in o ? o.metric : undefined;
    if (typeof metric !== "string") continue;
    const first = firstAt.get(metric);
    if (first === undefined) firstAt.set(metric, i);
    else
      problems.push(
        `objectives[${i}].metric: ${metric} is objectives[${first}] already; list each metric once`,
      );
  }
  return problems;
}

/**
 * The objectives a sweep's Pareto view defaults to (`tailsweep compare`, the report, the dashboard): its
 * `objectives` with their directions, or undefined for a single-objective sweep (the comparison table alone).
 */
export function defaultParetoObjectives(spec: Pick<SweepSpec, "objectives">): SweepObjective[] | undefined {
  return spec.objectives?.map((o) => ({ ...o }));
}

/**
 * The configuration `decide.baseline` names (`key=value` pairs of searched knobs, space-separated), keyed by canonical
 * path, with each value as the search holds it: one of a knob's listed (or categorical) values, or for a uniform,
 * loguniform or int knob, a number (a TPE search's baseline need not be a point it would propose). In a TPE search,
 * searched knobs it does not name keep the sweep's base value; a grid's must name every knob with several values
 * (openBaselineKnobs). `problems` names each part that does not say this.
 */
export function baselinePoint(
  search: Record<string, ParamSpec>,
  baseline: string,
): { point: Record<string, unknown>; problems: string[]; named: ReadonlySet<string> } {
  const point: Record<string, unknown> = {};
  const problems: string[] = [];
  const named = new Set<string>();
  for (const part of baseline.trim().split(/\s+/)) {
    const at = part.indexOf("=");
    const key = at > 0 ? part.slice(0, at) : part;
    const path = canonicalParam(key);
    const entry = path && Object.entries(search).find(([k]) => canonicalParam(k) === path);
    if (at <= 0 || !path || !entry) {
      problems.push(
        `decide.baseline: '${part}' must be knob=value for a searched knob (${Object.keys(search).join(", ") || "none is searched"})`,
      );
      continue;
    }
    if (named.has(path)) {
      problems.push(`decide.baseline: names ${key} twice; give each knob one value`);
      continue;
    }
    named.add(path);
    const [name, spec] = entry;
    const value = part.slice(at + 1);
    if (Array.isArray(spec) || spec.distribution === "categorical") {
      const values = Array.isArray(spec) ? spec : spec.values;
      const match = values.find((v) => shownValue(v) === value);
      if (match === undefined)
        problems.push(
          `decide.baseline: ${key}=${value} is not one of search.${name}'s values (${values.map(shownValue).join(", ")})`,
        );
      else point[path] = match;
      continue;
    }
    const number = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(number) || (spec.distribution === "int" && !Number.isInteger(number)))
      problems.push(
        `decide.baseline: ${key}=${value} must be ${spec.distribution === "int" ? "an integer" : "a number"} (search.${name} is ${spec.distribution} from ${spec.low} to ${spec.high})`,
      );
    else point[path] = number;
  }
  return { point, problems, named };
}

/** A searched value as a baseline names it (`variant=gaussian`, `model.encoderWidths=[64,32]`). */
const shownValue = (v: unknown) => (typeof v === "object" ? JSON.stringify(v) : String(v));

/**
 * A grid's baseline is one of its configurations, found by the knobs it names as `compare --baseline` finds one: a
 * knob listed with several values that it leaves out makes it match several, and no look could be taken. Names each
 * such knob of the checked search (by canonical path) with its values, how many configurations the baseline matches,
 * and a baseline that names one. `named`: the knobs its parts name, whether or not their values are good.
 */
function openBaselineKnobs(
  search: Record<string, ParamSpec>,
  named: ReadonlySet<string>,
  baseline: string,
): string[] {
  const open = Object.entries(search).flatMap(([path, spec]) =>
    Array.isArray(spec) && spec.length > 1 && !named.has(path) ? [{ path, values: spec }] : [],
  );
  if (open.length === 0) return [];
  const matches = open.reduce((n, o) => n * o.values.length, 1);
  const knobs = open.map((o) => `${o.path} (${o.values.map(shownValue).join(", ")})`).join(", ");
  const example = [baseline.trim(), ...open.map((o) => `${o.path}=${shownValue(o.values[0])}`)].join(" ");
  return [
    `decide.baseline: '${baseline.trim()}' names no value of ${knobs}, so it matches ${matches} configurations of the grid; name one configuration, e.g. '${example}'`,
  ];
}

/**
 * What is wrong with a sequential design: its seeds' shape, a missing `decide`, a baseline that names no config, a
 * `decide.top` outside a TPE search. `valueProblems` is a value's problems under its knob's own rule.
 */
function sequentialProblems(
  design: { initial: number; step: number; max: number },
  decide: Decide | undefined,
  search: Record<string, ParamSpec>,
  method: SweepSpec["method"],
  budget: number | undefined,
  valueProblems: (path: string, value: unknown) => string[],
  /** The search as checked: its knobs by canonical path, refused ones left out. */
  checkedSearch: Record<string, ParamSpec>,
): string[] {
  const problems: string[] = [];
  if (design.initial > design.max)
    problems.push(`seeds.initial: must be at most seeds.max (${design.max}), got ${design.initial}`);
  // Each look's boundaries are calibrated on simulated paths kept in memory: the stats bound them at 50 looks.
  const looks = Math.ceil(Math.max(0, design.max - design.initial) / design.step) + 1;
  if (looks > 50)
    problems.push(
      `seeds.step: ${design.initial} to ${design.max} seeds in steps of ${design.step} makes ${looks} looks; at most 50 (take a larger step)`,
    );
  // A random search's configurations are drawn once, not chosen by results, but nothing marks which of them are the
  // family: a grid compares all, a TPE search its top ones (decide.top).
  if (method === "random")
    problems.push(
      "seeds: a sequential design needs a grid (every knob listing its values), or method: tpe, which decides between its best configurations: a random search's configurations are not a family fixed before the first look",
    );
  if (!decide) {
    problems.push(
      "decide: required with seeds: { initial, step, max }: name the baseline to compare with (e.g. decide: { baseline: variant=gaussian })",
    );
    return problems;
  }
  if (decide.top !== undefined && method !== "tpe")
    problems.push(
      `decide.top: only with method: tpe, whose decision stage compares its best configurations with the baseline; a ${method} compares every configuration`,
    );
  if (method === "tpe" && budget !== undefined && (decide.top ?? DEFAULT_DECIDE_TOP) > budget)
    problems.push(
      `decide.top: at most budget (${budget}): the decision stage takes its configurations from those the search proposed, got ${decide.top ?? `${DEFAULT_DECIDE_TOP} (the default)`}`,
    );
  const { point, problems: baselineProblems, named } = baselinePoint(search, decide.baseline);
  problems.push(...baselineProblems);
  if (method === "grid") problems.push(...openBaselineKnobs(checkedSearch, named, decide.baseline));
  if (method === "tpe")
    for (const [path, value] of Object.entries(point))
      for (const p of valueProblems(path, value)) problems.push(`decide.baseline: ${path}=${value}: ${p}`);
  return problems;
}

/**
 * The keys an issue refuses a mapping for, where that is all it refuses: an unknown-keys issue's, or a union's whose
 * member for mappings found nothing else wrong. Empty for any other issue.
 */
function onlyUnknownKeys(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") return issue.keys;
  if (issue.code !== "invalid_union") return [];
  return issue.errors.flatMap((branch) =>
    branch.length > 0 && branch.every((i) => i.code === "unrecognized_keys" && i.path.length === 0)
      ? branch.flatMap((i) => (i.code === "unrecognized_keys" ? i.keys : []))
      : [],
  );
}

/**
 * What the later checks find in the parts of a file its shape did not refuse, so one error names every bad field
 * (issue #20: an unknown key hid a bad `nu`, `seeds: 0` a bad `labelRatio`): the refused fields are left out (an
 * unknown key dropped, a required name stood in for) and the rest checked as a whole file; its problems under a field
 * left out are not reported (they would be about a stand-in). A section refused only in some of its settings
 * (`decide.metric`) keeps the others, so their checks still run (`decide.baseline` against the search), unless
 * leaving those settings out makes the section itself unparseable; then the section goes. So with `search`: a knob
 * refused leaves the others to their own checks, and what a knob left out could change (a baseline or GPU rule naming
 * it, the method and budget a search of lists implies) is not reported ({@link aboutKnobsOut}). Falls back to the
 * base configuration's checks when even that file does not parse.
 */
function laterProblems(input: unknown, error: z.ZodError, limits: SweepLimits): string[] {
  if (!isPlainRecord(input)) return [];
  const refused = new Set<string>();
  const settingsOut = new Map<string, Set<string>>();
  // settings left out that the file's schema does not have: without them the rest means what it meant with them
  const unknownOut = new Set<string>();
  for (const issue of error.issues) {
    const [top, setting] = issue.path;
    if (top === undefined) {
      if (issue.code === "unrecognized_keys") for (const key of issue.keys) refused.add(key);
      continue;
    }
    const section = typeof top === "string" ? input[top] : undefined;
    // a section refused only for keys it does not have (`seeds: { …, stepp: 1 }`): checked without them, so what
    // else is wrong with the file (a baseline that names no searched value) is said now, not after the fix
    const unknown = setting === undefined ? onlyUnknownKeys(issue) : [];
    if (unknown.length > 0 && isPlainRecord(section)) {
      for (const key of unknown) {
        settingsOut.set(String(top), (settingsOut.get(String(top)) ?? new Set()).add(key));
        unknownOut.add(`${String(top)}.${key}`);
      }
      continue;
    }
    if (typeof setting === "string" && isPlainRecord(section))
      settingsOut.set(String(top), (settingsOut.get(String(top)) ?? new Set()).add(setting));
    else refused.add(String(top));
  }
  for (const k of refused) settingsOut.delete(k);
  // A sequential design short of some keys (`seeds: { initial: 3, step: 2 }`) is still one: with stand-ins for them,
  // decide is judged against it now, not once the key is added; what the stand-ins would make of seeds is not said.
  const design = refused.has("seeds") || settingsOut.has("seeds") ? designStandIn(input.seeds) : undefined;
  if (design) {
    refused.delete("seeds");
    settingsOut.delete("seeds");
  }
  const fileWithout = (whole: Set<string>, partly: Map<string, Set<string>>) => {
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      if (whole.has(k)) continue;
      const out = partly.get(k);
      rest[k] =
        out && isPlainRecord(v) ? Object.fromEntries(Object.entries(v).filter(([s]) => !out.has(s))) : v;
    }
    if (whole.has("name")) rest.name = "stand-in";
    if (design && !whole.has("seeds")) rest.seeds = design;
    return rest;
  };
  let rest = fileWithout(refused, settingsOut);
  if (!SweepFileSchema.safeParse(rest).success) {
    for (const k of settingsOut.keys()) refused.add(k);
    settingsOut.clear();
    rest = fileWithout(refused, settingsOut);
  }
  // A refused objectives list is left out below; a metric it repeats is still a problem of its own.
  const repeated =
    refused.has("objectives") && "objectives" in input ? repeatedObjectives(input.objectives) : [];
  if (!SweepFileSchema.safeParse(rest).success) return [...sectionProblems(input, error), ...repeated];
  try {
    parseSweepFile(rest, limits);
    return repeated;
  } catch (e) {
    if (!isConfigError(e)) throw e;
    // Checks that read a refused field misfire without it: budget and decide are judged against search and seeds.
    const touched = new Set([
      ...refused,
      ...[...settingsOut]
        .filter(([k, out]) => [...out].some((setting) => !unknownOut.has(`${k}.${setting}`)))
        .map(([k]) => k),
    ]);
    // A knob left out has no stand-in to be misjudged, and its name may begin a kept one's (`model`, `model.nu`).
    const unsure = new Set([
      ...refused,
      ...[...settingsOut]
        .filter(([k]) => k !== "search")
        .flatMap(([k, out]) => [...out].map((setting) => `${k}.${setting}`))
        .filter((setting) => !unknownOut.has(setting)),
    ]);
    if (refused.has("search")) for (const k of ["budget", "decide", "execution", "method"]) unsure.add(k);
    // The stand-ins' seeds count in the trials the size of the sweep is judged by, and in its looks: those are not
    // said (initial > max is, when both are given: a stand-in is never past the other).
    const aboutStandIn = (p: string) =>
      design !== undefined &&
      (p.startsWith("seeds.step: ") || /^(search|budget): this sweep expands to /.test(p));
    // Without the method written, the one the search implies is judged: its budget and tpe rules may not apply.
    if (touched.has("method")) for (const k of ["budget", "tpe"]) unsure.add(k);
    if (touched.has("seeds")) unsure.add("decide");
    if (touched.has("budget")) unsure.add("search");
    // The GPU rule and the baseline are matched against the fixed settings: a default standing in for a refused one
    // would misjudge them. A refused decide.top leaves the default top in the trial count the budget is checked by.
    if (["variant", "dataset", "model", "train"].some((k) => touched.has(k)))
      for (const k of ["execution.gpu", "decide.baseline"]) unsure.add(k);
    if (settingsOut.get("decide")?.has("top")) unsure.add("budget");
    const under = (p: string) =>
      [...unsure].some((k) => p.startsWith(`${k}:`) || p.startsWith(`${k}.`) || p.startsWith(`${k}[`));
    // a section judged as a whole (`objective: with objectives, …`) was judged with a default for what was left out
    const aboutPartly = (p: string) => [...touched].some((k) => settingsOut.has(k) && p.startsWith(`${k}:`));
    const knobsOut = settingsOut.get("search");
    const aboutOut =
      knobsOut && isPlainRecord(input.search) ? aboutKnobsOut(input.search, knobsOut, rest) : () => false;
    return [
      ...e.problems.filter((p) => !under(p) && !aboutPartly(p) && !aboutOut(p) && !aboutStandIn(p)),
      ...repeated,
    ];
  }
}

/**
 * A sequential design's stand-in where `seeds` is one with some of its keys missing or refused (its own problems are
 * said already): the fewest seeds those keys allow (initial 2, step 1, max the initial) beside the valid ones;
 * undefined where `seeds` is no such object (a list, a count, none of a design's keys).
 */
function designStandIn(seeds: unknown): { initial: number; step: number; max: number } | undefined {
  const { shape } = SequentialSeedsSchema;
  // a key it does not have is refused on its own (`stepp`, did you mean step?)
  if (!isPlainRecord(seeds) || !Object.keys(seeds).some((k) => Object.hasOwn(shape, k))) return undefined;
  const valid = (k: keyof typeof shape) => {
    const parsed = shape[k].safeParse(seeds[k]);
    return parsed.success ? parsed.data : undefined;
  };
  // all three valid, it is refused for an unknown key alone, and checked without it as it is
  if (valid("initial") !== undefined && valid("step") !== undefined && valid("max") !== undefined)
    return undefined;
  const initial = valid("initial") ?? 2;
  return { initial, step: valid("step") ?? 1, max: valid("max") ?? initial };
}

/**
 * Whether a later problem of a file whose refused search knobs (`out`, as `written`) were left out of `rest` may be
 * about them rather than about the file: a check that would name one, or that reads the search space the knob
 * belongs to, judged it without the knob. Such a problem waits for the knob's own to be mended; the kept knobs'
 * problems, and every check the knob cannot change, are reported now.
 */
function aboutKnobsOut(
  written: Record<string, unknown>,
  out: ReadonlySet<string>,
  rest: Record<string, unknown>,
): (problem: string) => boolean {
  const kept = isPlainRecord(rest.search) ? rest.search : {};
  const paths = [...out].flatMap((key) => canonicalParam(key) ?? []);
  const keptPaths = new Set(Object.keys(kept).flatMap((key) => canonicalParam(key) ?? []));
  const under = (p: string, field: string) =>
    p.startsWith(`${field}:`) || p.startsWith(`${field}.`) || p.startsWith(`${field}[`);
  const unsure: string[] = [];
  // A knob written as anything but a list may be meant as a distribution: without it, lists alone are judged a
  // grid, which takes no budget, and which the rules about tpe and decide.top name as the method when none is written.
  if ([...out].some((key) => !Array.isArray(written[key])) && Object.values(kept).every(Array.isArray)) {
    unsure.push("budget");
    if (!("method" in rest)) unsure.push("tpe", "decide.top");
  }
  // A GPU rule is matched against what the search tries: a knob left out would be judged fixed, and without variant
  // every unsearched knob is judged at the base variant's value alone. Its other problems (a bad value) still count.
  const gpu = isPlainRecord(rest.execution) && isPlainRecord(rest.execution.gpu) ? rest.execution.gpu : {};
  const rules = Object.keys(gpu).flatMap((key) => {
    const path = canonicalParam(key);
    return path && (paths.includes(path) || (paths.includes("variant") && !keptPaths.has(path)))
      ? [`execution.gpu.${key}:`]
      : [];
  });
  // An unknown key names no knob, refused or not: a baseline part naming one is refused either way.
  const naming = (key: string) => paths.includes(canonicalParam(key) ?? "");
  const withThisValue = ": with this value, ";
  return (p) => {
    if (unsure.some((k) => under(p, k)) || rules.some((rule) => p.startsWith(rule))) return true;
    // a kept knob's value judged against a setting that the knob left out may set in every trial
    const at = p.indexOf(withThisValue);
    if (p.startsWith("search.") && at >= 0)
      return paths.some((path) => under(p.slice(at + withThisValue.length), path));
    // the file's own model.modalities or dataset.classOrder, paired with each searched data set as though unsearched
    if (paths.some((path) => p.startsWith(`${path}: with dataset.name `))) return true;
    // The baseline's part about a knob left out is matched against a search without it ('variant=gaussian' must be
    // knob=value for a searched knob); its parts about kept knobs stand.
    if (p.startsWith("decide.baseline: ")) {
      const said = p.slice("decide.baseline: ".length);
      const key = said.startsWith("'")
        ? said.slice(1).split(/[=']/)[0]
        : said.startsWith("names ")
          ? said.slice("names ".length).split(" ")[0]
          : said.split("=")[0];
      return naming(key ?? "");
    }
    return false;
  };
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The knobs' own problems in the run-config sections (variant, dataset, model, train) whose shape the file schema
 * passed, when another part of the file did not: so that one answer names every bad field, not the first part's only.
 */
function sectionProblems(input: unknown, error: z.ZodError): string[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return [];
  const refused = new Set(error.issues.map((issue) => issue.path[0]));
  const sound = Object.fromEntries(
    Object.entries(input).filter(
      ([k]) => ["variant", "dataset", "model", "train"].includes(k) && !refused.has(k),
    ),
  );
  const problems = fixedSeedProblems(sound.train);
  const search = isPlainRecord(input) && isPlainRecord(input.search) ? input.search : {};
  try {
    resolveRunConfig(sound, { launch: true, explicitGamma: false });
  } catch (e) {
    if (!isConfigError(e)) throw e;
    problems.push(...e.problems);
  }
  const gamma = gammaKnobsBesides(Object.keys(search).flatMap((key) => canonicalParam(key) ?? []))
    ? undefined
    : explicitGammaAt(sound);
  if (gamma) problems.push(`model.gamma: ${gamma}`);
  return problems;
}

/**
 * Whether a sweep searching `searched` varies a knob an explicit γ's check reads (EXPLICIT_GAMMA_KNOBS) other than
 * `path`, the one whose value is being checked: then whether a trial's γ can train depends on its whole point, which
 * a grid checks combination by combination (explicitGammaGridProblems), a random search's launch draw by draw
 * (@tailsweep/api's checkLaunchData), and a TPE search's later proposals leave to their trials, which fail with the
 * same words when their model is built (its constants).
 */
function gammaKnobsBesides(searched: readonly string[], path?: string): boolean {
  return searched.some((knob) => knob !== path && EXPLICIT_GAMMA_KNOBS.includes(knob));
}

/**
 * Why the explicit γ of a point (a run config as a sweep file writes it) cannot train, or undefined: also where the
 * point resolves to no config, whose own problems are said elsewhere.
 */
function explicitGammaAt(point: Record<string, unknown>): string | undefined {
  try {
    const config = resolveRunConfig(point);
    return explicitGammaLaunchProblem(config.model, config.dataset.name);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    return undefined;
  }
}

/** Where a sweep file names a value: the field as the file writes it (`search.nu[1]`), and the value. */
export interface NamedValue {
  field: string;
  value: unknown;
}

/**
 * The values a search entry lists (grid entries, or a categorical distribution's values), each with its field under
 * `search.<key>`; undefined for a numeric distribution, which lists none.
 */
export function searchedValues(spec: ParamSpec | undefined, key: string): NamedValue[] | undefined {
  if (Array.isArray(spec)) return spec.map((value, i) => ({ field: `search.${key}[${i}]`, value }));
  if (spec?.distribution === "categorical")
    return spec.values.map((value, i) => ({ field: `search.${key}.values[${i}]`, value }));
  return undefined;
}

/** A numeric distribution's range (uniform, loguniform, int), where a search entry draws from one; else undefined. */
export function searchedRange(
  spec: ParamSpec | undefined,
): Exclude<Distribution, { distribution: "categorical" }> | undefined {
  return spec === undefined || Array.isArray(spec) || spec.distribution === "categorical" ? undefined : spec;
}

/**
 * What a launch refuses in a pair of values that neither shows alone: a file on a team's own data set that also
 * searches built-in ones, with a `model.modalities` or `dataset.classOrder` (searched, or its own) that a built-in
 * data set cannot give. Each searched value was checked against the file's own data set only; where that is a built-in
 * one, it was refused there already.
 */
function builtInPairProblems(
  file: z.infer<typeof SweepFileSchema>,
  search: Record<string, ParamSpec>,
): string[] {
  const names = searchedValues(search["dataset.name"], "dataset.name");
  if (!names || (file.dataset.name ?? "mnist-2view") !== "user") return [];
  // a searched knob replaces the file's own value in every trial
  const asWritten = (path: string, own: unknown) =>
    searchedValues(search[path], path) ?? (own === undefined ? [] : [{ field: path, value: own }]);
  const modalities = asWritten("model.modalities", file.model.modalities);
  const orders = asWritten("dataset.classOrder", file.dataset.classOrder);
  const problems: string[] = [];
  for (const { value, field: nameAt } of names) {
    const name = DatasetNameSchema.safeParse(value);
    if (!name.success || name.data === "user") continue;
    const pair = (where: string, problem: string | undefined) => {
      if (problem) problems.push(`${where}: with dataset.name ${name.data} (${nameAt}), ${problem}`);
    };
    for (const { value: used, field: where } of modalities) {
      const parsed = ModelConfigSchema.shape.modalities.safeParse(used);
      if (parsed.success) pair(where, usedModalitiesProblem(parsed.data, name.data));
    }
    for (const { value: order, field: where } of orders) {
      const parsed = DatasetRecipeSchema.shape.classOrder.safeParse(order);
      if (parsed.success) pair(where, classOrderProblem({ name: name.data, classOrder: parsed.data }));
    }
  }
  return problems;
}

/** Combinations of a grid's γ knobs checked at most, and failing ones said at most (explicitGammaGridProblems). */
const GAMMA_GRID = { combinations: 1024, said: 8 };

/**
 * An explicit γ that cannot train at a combination of the γ knobs a search lists (EXPLICIT_GAMMA_KNOBS), each such
 * combination a set of trials that can only fail: `search.gamma[1]: with variant proposed (search.variant[0]), …`.
 * One searched alone was checked value by value against the file's own others (valueProblems); with two or more,
 * every combination is, as a grid runs each. A range of γ (random, TPE) is checked at its low end, the γ furthest
 * from 0: the γ that train form an interval (γ0, 0) (docs/model.md §3), so where its low end trains, all of it does.
 * Another knob drawn from a range, or a grid past GAMMA_GRID's combinations, leaves its trials to fail (a random
 * search's draws are checked at launch: @tailsweep/api's checkLaunchData).
 */
function explicitGammaGridProblems(
  base: Record<string, unknown>,
  written: Record<string, ParamSpec>,
): string[] {
  const seen = new Set<string>();
  const searched = Object.entries(written).flatMap(([key, spec]) => {
    const path = canonicalParam(key);
    // a knob searched twice under two names is refused already
    if (!path || !EXPLICIT_GAMMA_KNOBS.includes(path) || seen.has(path)) return [];
    seen.add(path);
    return [{ key, path, spec }];
  });
  // the γ itself first, so that each line sits at its value
  searched.sort((a, b) => Number(b.path === "model.gamma") - Number(a.path === "model.gamma"));
  const knobs = searched.map(({ path }) => path);
  if (knobs.length < 2) return [];
  const lists = searched.map(({ key, path, spec }) => {
    const low = path === "model.gamma" ? searchedRange(spec)?.low : undefined;
    return (
      searchedValues(spec, key) ?? (low === undefined ? [] : [{ field: `search.${key}.low`, value: low }])
    );
  });
  if (lists.some((values) => values.length === 0)) return [];
  if (lists.reduce((n, values) => n * values.length, 1) > GAMMA_GRID.combinations) return [];
  const combinations = lists.reduce<NamedValue[][]>(
    (partial, values) => partial.flatMap((combination) => values.map((v) => [...combination, v])),
    [[]],
  );
  const lines: string[] = [];
  for (const combination of combinations) {
    const point = combination.reduce((config, { value }, i) => withParam(config, knobs[i]!, value), base);
    const problem = explicitGammaAt(point);
    if (!problem) continue;
    const [at, ...others] = combination;
    const own = knobs[0] === "model.gamma" ? problem : `model.gamma: ${problem}`;
    const withOthers = others.map(
      ({ field, value }, i) => `${searched[i + 1]!.key} ${shown(value)} (${field})`,
    );
    lines.push(`${at!.field}: with ${withOthers.join(", ")}, ${own}`);
  }
  if (lines.length <= GAMMA_GRID.said) return lines;
  return [
    ...lines.slice(0, GAMMA_GRID.said),
    `search: ${lines.length - GAMMA_GRID.said} more combinations of ${knobs.join(", ")} cannot train either (model.gamma)`,
  ];
}

/** A seed among the fixed train settings: expandSweep sets train.seed to each trial's seed, dropping it unsaid. */
function fixedSeedProblems(train: unknown): string[] {
  if (typeof train !== "object" || train === null || !("seed" in train)) return [];
  return [
    `train.seed: each trial's seed comes from the sweep's seeds field (e.g. seeds: [${shown(train.seed)}]), which replaces train.seed; remove it here`,
  ];
}

/**
 * Why a GPU rule on one knob matches no trial: none of its values is one the sweep tries (in the knob's grid or
 * categories, its integer range, or the value it is fixed at under each variant tried), or the knob is drawn from a
 * continuous distribution, which no listed value will equal. Values the sweep does not try beside ones it does are
 * harmless and pass.
 */
function unmatchable(
  where: string,
  path: string,
  values: unknown[],
  spec: ParamSpec | undefined,
  search: Record<string, ParamSpec>,
  base: Record<string, unknown>,
): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const noneOf = (tried: unknown[], what: string) =>
    values.some((v) => tried.some((t) => same(t, v)))
      ? []
      : [
          `${where}: none of ${JSON.stringify(values)} is among ${what} (${JSON.stringify(tried)}), so this matches no trial`,
        ];
  if (spec === undefined) {
    // Seeds set these per trial.
    if (path === "train.seed" || path === "dataset.seed") return [];
    // A variant sets model knobs of its own, so a knob left alone still takes one value per variant tried.
    const variants = search.variant;
    const tried = Array.isArray(variants)
      ? variants
      : variants?.distribution === "categorical"
        ? variants.values
        : [base.variant];
    let fixed: unknown[];
    try {
      fixed = tried.map((variant) => knobValue(resolveRunConfig({ ...base, variant }), path));
    } catch {
      return []; // a bad base config or variant: reported already
    }
    return noneOf(fixed, `what the sweep fixes ${path} at`);
  }
  if (Array.isArray(spec)) return noneOf(spec, `the values search tries for ${path}`);
  if (spec.distribution === "categorical")
    return noneOf(spec.values, `the categories search draws ${path} from`);
  if (spec.distribution === "int")
    return values.some((v) => Number.isInteger(v) && (v as number) >= spec.low && (v as number) <= spec.high)
      ? []
      : [
          `${where}: none of ${JSON.stringify(values)} is a whole number from ${spec.low} to ${spec.high}, as search draws ${path}, so this matches no trial`,
        ];
  return [
    `${where}: search draws ${path} from a continuous distribution, which no listed value matches; mark trials by a grid or categorical knob`,
  ];
}

/** The value at a knob's canonical path (`variant`, `model.nu`, …) of a resolved run config; undefined if none. */
export function knobValue(config: RunConfig, path: string): unknown {
  if (path === "variant") return config.variant;
  const [section, key] = path.split(".");
  const part = Object.entries(config).find(([name]) => name === section)?.[1];
  return typeof part === "object" && part !== null
    ? Object.entries(part).find(([name]) => name === key)?.[1]
    : undefined;
}

/**
 * Whether a trial may run only on a GPU worker, by its sweep's `execution.gpu` (whose keys `parseSweepFile` made
 * canonical). A sweep stored before the field existed has none: any worker.
 */
export function trialNeedsGpu(
  execution: { gpu?: SweepSpec["execution"]["gpu"] },
  config: RunConfig,
): boolean {
  const gpu = execution.gpu ?? false;
  if (typeof gpu === "boolean") return gpu;
  return Object.entries(gpu).every(([path, values]) => {
    const have = JSON.stringify(knobValue(config, path));
    return values.some((v) => JSON.stringify(v) === have);
  });
}
