// jstat 1.9.6 ships no types and there is no @types/jstat; only noncentral-t.test.ts imports it (a dev dependency, as
// a second check of the noncentral t), so this declares just what that test calls.
declare module "jstat" {
  interface JStat {
    noncentralt: { cdf(x: number, dof: number, ncp: number): number };
    studentt: { inv(p: number, dof: number): number };
  }
  const jStat: JStat;
  export default jStat;
}
