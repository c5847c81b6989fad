// Stands in for @node-rs/argon2 in the GPU kit's bundle: the kit trains and benchmarks, it manages no accounts, and
// the native addon is not carried. Anything that would hash a password says so instead.
const absent = async (): Promise<never> => {
  throw new Error(
    "password hashing is not part of the GPU kit: manage accounts from a full tailsweep install",
  );
};
export const hash = absent;
export const verify = absent;
