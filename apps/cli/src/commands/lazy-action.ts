/**
 * A command's action that loads its implementation only when the command runs. Every start of the CLI registers
 * every command (its flags and help): with the implementations behind `import()`, that costs nothing, and --help and
 * usage errors load none of the packages the commands use (the store, the model, the API: seconds each). So a command
 * module (commands/<name>.ts) imports only commander, the schemas and the CLI's light helpers, and names its
 * implementation like this: `.action(lazyAction(async () => (await import("./sweep-actions")).sweepList))`.
 */
export function lazyAction<A extends unknown[]>(
  load: () => Promise<(...args: A) => unknown>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const action = await load();
    await action(...args);
  };
}
