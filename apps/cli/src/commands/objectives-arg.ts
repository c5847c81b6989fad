import { InputError } from "@tailsweep/schemas";

/** What an objectives flag takes, for its error: the form and an example. */
const OBJECTIVES_FORM =
  "comma-separated metric:max or metric:min, at least 2, e.g. balancedAccuracy:max,minorityRecall:max";

/**
 * `balancedAccuracy:max,minorityRecall:max` (`compare --objectives`, `report --pareto`) as the API's objectives (a
 * direction left out is the API's to choose: the metric's own, else max). Every bad item is named in one InputError
 * at `flag`, with the form allowed, and `fewHint` when fewer than two were given.
 */
export function parseObjectives(
  text: string,
  flag: string,
  fewHint?: string,
): { metric: string; direction?: "maximize" | "minimize" }[] {
  const problems: string[] = [];
  const objectives = text.split(",").flatMap((item, i) => {
    const [metric = "", direction, ...rest] = item.trim().split(":");
    if (metric === "") {
      problems.push(`item ${i + 1} ('${item}') names no metric`);
      return [];
    }
    if (rest.length > 0 || (direction !== undefined && !["max", "min"].includes(direction))) {
      problems.push(`'${item.trim()}': the direction must be max or min`);
      return [];
    }
    const way: "maximize" | "minimize" | undefined =
      direction === undefined ? undefined : direction === "max" ? "maximize" : "minimize";
    return [{ metric, ...(way && { direction: way }) }];
  });
  if (problems.length === 0 && objectives.length < 2)
    problems.push(
      `a front needs at least 2 objectives, got ${objectives.length}${fewHint ? ` (${fewHint})` : ""}`,
    );
  if (problems.length > 0) throw new InputError(flag, `${problems.join("; ")} (${OBJECTIVES_FORM})`);
  return objectives;
}
