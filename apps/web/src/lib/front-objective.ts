import type { ObjectiveDirection, SweepObjective } from "@tailsweep/schemas";

/**
 * A metric chosen for the sweep page's Pareto front as the API is asked for it: with the sweep's direction where it is
 * one of the sweep's `objectives`, else without one (the API then takes the metric's own, else maximize). Without the
 * sweep's direction, a metric the sweep minimises would be drawn maximised: another front than the sweep's own.
 */
export function frontObjective(
  metric: string,
  objectives: readonly SweepObjective[] | undefined,
): { metric: string; direction?: ObjectiveDirection } {
  const own = objectives?.find((o) => o.metric === metric);
  return own ? { metric, direction: own.direction } : { metric };
}
