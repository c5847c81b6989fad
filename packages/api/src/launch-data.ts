import { builtInSplitProblems, splitFailsAtLoad } from "@tailsweep/data/built-in-capacity";
import { ConfigError, explicitGammaLaunchProblem, isConfigError, type SweepSpec } from "@tailsweep/schemas";
import {
  expandSweep,
  extensionTrials,
  launchDatasets,
  namedConfigs,
  type StoredPoint,
  storedPoints,
  type TrialRecord,
  trialDatasets,
  trialRecipe,
} from "@tailsweep/sweep";
import type { SweepLauncher } from "./trpc";

/**
 * Checks, before a sweep is stored, the data its trials would train on, with every problem in one ConfigError: the
 * files the launcher's `checkFiles` finds missing (where the workers share this disk: a dashboard's own, `sweep run`),
 * every built-in split some seed cannot draw (anywhere: it reads nothing), and every drawn configuration whose explicit
 * γ cannot train.
 */
export async function checkLaunchData(
  spec: SweepSpec,
  launcher: Pick<SweepLauncher, "checkFiles">,
): Promise<void> {
  const problems = [...builtInSplitProblems(launchDatasets(spec)), ...drawnGammaProblems(spec)];
  try {
    await launcher.checkFiles?.(spec);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    problems.unshift(...e.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Drawn configurations that cannot train named at most (drawnGammaProblems); the rest are counted. */
const DRAWS_SAID = 5;

/**
 * The configurations a random or TPE search draws at its launch (fixed then by its samplerSeed: every draw of a random
 * search, a TPE search's start-up ones) whose explicit γ cannot train (explicitGammaLaunchProblem): each a set of
 * trials that can only fail, refused as a grid's are where the file names them (parseSweepFile). A TPE search's later
 * proposals are not known yet; such a trial fails with the same words when its model is built.
 */
function drawnGammaProblems(spec: SweepSpec): string[] {
  if (spec.method === "grid") return [];
  // one seed: a configuration's trials share its γ
  const configurations = expandSweep({ ...spec, seeds: spec.seeds.slice(0, 1) });
  const drawn = configurations.flatMap((trial) => {
    const problem = explicitGammaLaunchProblem(trial.config.model, trial.config.dataset.name);
    return problem ? [{ label: trial.configLabel, problem }] : [];
  });
  if (drawn.length === 0) return [];
  return [
    ...drawn
      .slice(0, DRAWS_SAID)
      .map(({ label, problem }) => `search: the draw ${label}: model.gamma: ${problem}`),
    `search: ${drawn.length} of the ${configurations.length} configurations drawn${drawn.length > DRAWS_SAID ? ` (${DRAWS_SAID} said above)` : ""} cannot train: narrow the range of model.gamma or of the knobs it is checked with (ν, latentDim, variant), or draw others with another samplerSeed`,
  ];
}

/**
 * The same for seeds added to a stored sweep (extend, confirm), said before anything is added, dry run or not: every
 * built-in split a new trial cannot draw, under `seeds`. A recipe short at every seed its stored trials ran is left to
 * fail as they did (builtInSplitProblems' `adding`), so the rest of such a sweep can still grow: answers how many of
 * the new trials that leaves to fail at load, for the person to see before they are queued.
 */
export function checkAddedSeeds(
  runs: {
    sweep: { spec: SweepSpec };
    trials: readonly (StoredPoint & Pick<TrialRecord, "config" | "key">)[];
  },
  request: { seeds: readonly number[]; configKeys: readonly string[] },
): { failingTrials: number } {
  const { spec } = runs.sweep;
  const { trials } = extensionTrials(spec, request, spec.method === "tpe" ? storedPoints(runs.trials) : []);
  const named = namedConfigs(request.configKeys);
  const stored = runs.trials.filter((t) => named(t.configKey));
  const problems = builtInSplitProblems(trialDatasets(spec, trials), {
    adding: { stored: trialDatasets(spec, stored) },
  });
  if (problems.length > 0) throw new ConfigError(problems);
  // Trials already stored are among those planned (the store adds only new keys): not counted.
  const storedKeys = new Set(runs.trials.map((t) => t.key));
  return {
    failingTrials: trials.filter((t) => !storedKeys.has(t.key) && splitFailsAtLoad(trialRecipe(t))).length,
  };
}
