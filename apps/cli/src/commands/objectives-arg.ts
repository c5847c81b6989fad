import { InvalidArgumentError } from "commander";
import { z } from "zod";

/**
 * One objective as the API takes it (a direction left out is the API's to choose: the metric's own, else max); the
 * schema reads it back from commander's untyped options (a store check's).
 */
export const ObjectiveArgSchema = z.object({
  metric: z.string(),
  direction: z.enum(["maximize", "minimize"]).optional(),
});
export type ObjectiveArg = z.infer<typeof ObjectiveArgSchema>;

/** What an objectives flag takes, for its error: the form and an example. */
const OBJECTIVES_FORM =
  "comma-separated metric:max or metric:min, at least 2, e.g. balancedAccuracy:max,minorityRecall:max";

/**
 * `balancedAccuracy:max,minorityRecall:max` read item by item: the objectives, and what is wrong with the text's
 * syntax (`fewHint` is added when fewer than two were given). An item with a bad direction still gives its metric
 * (without a direction), so that what the sweep lacks can be checked beside the syntax; which metrics a sweep has,
 * and how many objectives a front may have, are the API's to say.
 */
export function readObjectives(
  text: string,
  fewHint?: string,
): { objectives: ObjectiveArg[]; problems: string[] } {
  const problems: string[] = [];
  const objectives = text.split(",").flatMap((item, i): ObjectiveArg[] => {
    const [metric = "", direction, ...rest] = item.trim().split(":");
    if (metric === "") {
      problems.push(`item ${i + 1} ('${item}') names no metric`);
      return [];
    }
    if (rest.length > 0 || (direction !== undefined && !["max", "min"].includes(direction))) {
      problems.push(`'${item.trim()}': the direction must be max or min`);
      return [{ metric }];
    }
    if (direction === undefined) return [{ metric }];
    return [{ metric, direction: direction === "max" ? "maximize" : "minimize" }];
  });
  if (objectives.length < 2)
    problems.push(
      `a front needs at least 2 objectives, got ${objectives.length}${fewHint ? ` (${fewHint})` : ""}`,
    );
  return { objectives, problems };
}

/**
 * The parser of an objectives flag (`compare --objectives`, `report --pareto`): the objectives, or every problem of
 * the text's syntax at once, with the form allowed. A refusal is the command line's, named with its other bad flags
 * (TailsweepCommand); `compare` then asks the sweep about the metrics it could read ({@link readObjectives}).
 */
export function objectivesArg(flag: string, fewHint?: string): (text: string) => ObjectiveArg[] {
  return (text) => {
    const { objectives, problems } = readObjectives(text, fewHint);
    if (problems.length > 0)
      throw new InvalidArgumentError(`${flag}: ${problems.join("; ")} (${OBJECTIVES_FORM})`);
    return objectives;
  };
}
