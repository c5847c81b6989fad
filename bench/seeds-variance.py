"""What does the unknown variance cost the sequential design, and could a pooled variance buy it back?
(issue #18's <= 60 % seeds target; docs/statistics.md, "Does it pay?").

The design built (packages/stats/src/sequential.ts) tests each comparison with its own paired t statistic: n - 1
degrees of freedom, 2 at the first look of 3 seeds, where a two-sided test at alpha/5 needs |t| > 9.92 against
|z| > 2.58. Two cheaper statistics exist for the same looks:

- pooled: the residual mean square of the two-way layout seeds x arms (a randomised complete block design; the error
  term of Dunnett's comparisons with a control, Dunnett 1955, JASA 50:1096), over the baseline and the arms still
  running at the look: Var(mean difference) = 2 MSE / n with (arms - 1)(n - 1) degrees of freedom, 10 at the first
  look of 5 configurations. It assumes every arm has the same seed noise.
- known: the variance known, a z statistic; what no real sweep has, and so the ceiling of any variance estimate.

This script runs the same group-sequential design on each — looks at 3, 5, ..., 19, 20 seeds, Lan-DeMets
O'Brien-Fleming-type spending, Holm across the comparisons as in sequential.ts (graphical step-down, earlier looks
re-tested at a raised level), non-binding futility at predictive power < 0.02 from the second look — and the fixed
design at 20 seeds with the same statistic (like for like: a pooled fixed design gains power too). The boundaries are
normal-theory ones found on 2^20 simulated score paths; the t and pooled statistics are compared with them through
their p-values (Jennison & Turnbull's significance-level approach; sequential.ts calibrates the paired t instead, so
its own figures come from `pnpm -s bench:seeds`). Effects: the bench's medium d_z (paired-t power 80 % at alpha/5 and
20 seeds), normal noise, 5 and 20 configurations. Also Hwang-Shih-DeCani spending with gamma = -2, nearer the
ASN-optimal shape than O'Brien-Fleming's when the first looks are cheap.

Then the assumption. The study's own seeds (docs/results-data, balanced accuracy against `gaussian`) give sds of the
paired differences from 0.027 to 0.075 across nine configurations on mnist-fashion (0.032 to 0.057 on mnist-2view).
Under the global null with those nine sds, and with nine configurations of which one's paired differences spread twice
as much as the others' (its own noise sd sqrt(7) times theirs),
the script prints the family-wise error of the fixed and the sequential designs with each statistic, and how often
the noisiest configuration alone is called different (its share of alpha under Holm's first step is alpha/9, 0.56 %).

Run: python3 bench/seeds-variance.py [--reps 1500] [--seed 7]   (NumPy and SciPy; about 5 minutes on 2 cores)
"""
import argparse
import numpy as np
from scipy import stats
from scipy.optimize import brentq

ap = argparse.ArgumentParser()
ap.add_argument("--reps", type=int, default=1500)
ap.add_argument("--seed", type=int, default=7)
args = ap.parse_args()
rng = np.random.default_rng(args.seed)

LOOKS = np.array([3, 5, 7, 9, 11, 13, 15, 17, 19, 20])
N = LOOKS[-1]
T = LOOKS / N
ALPHA = 0.05
FUTILITY = 0.02
# the study's sds of the paired differences (mnist-fashion, nine configurations against gaussian, 10 seeds each)
STUDY_SDS = np.array([0.0486, 0.0312, 0.0582, 0.0640, 0.0564, 0.0267, 0.0410, 0.0629, 0.0747])


def spending(kind):
    if kind == "obrien-fleming":
        return lambda t, a: 2 - 2 * stats.norm.cdf(stats.norm.isf(a / 2) / np.sqrt(t))
    g = -2.0  # Hwang, Shih & DeCani (1990), Stat Med 9:1439
    return lambda t, a: a * (1 - np.exp(-g * t)) / (1 - np.exp(-g))


# |Z| at the looks of 2^20 null score paths, shared by every level's boundaries
increments = rng.standard_normal((1 << 20, N), dtype=np.float32)
NULL_Z = np.abs(np.cumsum(increments, axis=1)[:, LOOKS - 1] / np.sqrt(LOOKS))
del increments
_bounds = {}


def boundaries(kind, level):
    """Critical |Z| per look so that the share of null paths crossed by look k is the spending at t_k."""
    key = (kind, round(level, 14))
    if key not in _bounds:
        spend = spending(kind)
        alive = np.ones(len(NULL_Z), bool)
        crossed = 0
        c = np.full(len(LOOKS), np.inf)
        for k in range(len(LOOKS)):
            need = int(round(spend(T[k], level) * len(NULL_Z))) - crossed
            z = NULL_Z[alive, k]
            if need > 0:
                c[k] = np.partition(z, len(z) - need)[len(z) - need]
                hit = np.zeros_like(alive)
                hit[alive] = z >= c[k]
                crossed += int(hit.sum())
                alive &= ~hit
        _bounds[key] = c
    return _bounds[key]


def statistic(kind, y, j, n, running):
    """Normal-equivalent |Z| and sign of comparison j (arm j + 1 against arm 0) on the first n seeds."""
    d = y[j + 1, :n] - y[0, :n]
    if kind == "known":
        return abs(d.mean()) * np.sqrt(n) / SD_DIFF[j], np.sign(d.mean())
    if kind == "t":
        t, df = d.mean() / (d.std(ddof=1) / np.sqrt(n)), n - 1
    else:
        arms = [0] + [a + 1 for a in running]
        Y = y[arms, :n]
        resid = Y - Y.mean(1, keepdims=True) - Y.mean(0, keepdims=True) + Y.mean()
        df = (len(arms) - 1) * (n - 1)
        t = d.mean() / np.sqrt(2 * (resid**2).sum() / df / n)
    return stats.norm.isf(stats.t.sf(abs(t), df)), np.sign(t)


def sequential(kind, spend, y, m):
    """One sweep through the design: (rejected, sign, seeds per arm with the baseline)."""
    zs = [[] for _ in range(m)]
    signs = [[] for _ in range(m)]
    stopped = np.zeros(m, bool)
    rejected = np.zeros(m, bool)
    sign = np.zeros(m)
    seeds = np.zeros(m)
    for k, n in enumerate(LOOKS):
        running = [j for j in range(m) if not stopped[j]]
        if not running:
            break
        for j in running:
            z, s = statistic(kind, y, j, n, running)
            zs[j].append(z)
            signs[j].append(s)
            seeds[j] = n
        changed = True
        while changed:  # Holm's step-down on the looks each comparison has had (sequential.ts)
            changed = False
            open_ = [j for j in range(m) if not rejected[j]]
            if not open_:
                break
            c = boundaries(spend, ALPHA / len(open_))
            for j in open_:
                for look, z in enumerate(zs[j]):
                    if z >= c[look]:
                        rejected[j] = stopped[j] = changed = True
                        sign[j] = signs[j][look]
                        break
        open_ = [j for j in range(m) if not rejected[j]]
        if 1 <= k < len(LOOKS) - 1 and open_:
            c_last = boundaries(spend, ALPHA / len(open_))[-1]
            for j in running:
                if not stopped[j]:
                    pp = stats.norm.cdf((zs[j][-1] - c_last * np.sqrt(T[k])) / np.sqrt(1 - T[k]))
                    stopped[j] = pp < FUTILITY
    return rejected, sign, np.append(seeds, seeds.max())


def fixed(kind, y, m):
    z, s = np.array([statistic(kind, y, j, N, list(range(m))) for j in range(m)]).T
    p = 2 * stats.norm.sf(z)
    rejected = np.zeros(m, bool)
    for i, j in enumerate(np.argsort(p)):
        if p[j] > ALPHA / (m - i):
            break
        rejected[j] = True
    return rejected, s


def sweep(effects, noise_sd, baseline_sd):
    """Outcomes of the baseline (row 0) and the configurations: a shared seed effect plus each arm's own noise."""
    m = len(effects)
    y = rng.standard_normal(N) + rng.standard_normal((m + 1, N)) * np.append(baseline_sd, noise_sd)[:, None]
    y[1:] += np.asarray(effects)[:, None]
    return y


def medium_effect():
    def power(d):
        df, crit = N - 1, stats.t.isf(ALPHA / 5 / 2, N - 1)
        return stats.nct.sf(crit, df, d * np.sqrt(N)) + np.nan_to_num(stats.nct.cdf(-crit, df, d * np.sqrt(N)))
    return brentq(lambda d: power(d) - 0.8, 0.1, 2)


D = medium_effect()
print(f"medium d_z = {D:.3f}; looks {LOOKS.tolist()}; alpha {ALPHA}; futility: predictive power < {FUTILITY}")
print(f"{args.reps} sweeps per row (m = 5), {args.reps // 3} (m = 20); seed {args.seed}\n")
print("| statistic | spending | configurations | power seq. | power fixed | seeds of fixed | global-null FWER seq. |")
print("|---|---|---|---|---|---|---|")
for m in (5, 20):
    reps = args.reps if m == 5 else args.reps // 3
    SD_DIFF = np.ones(m)
    equal = np.full(m, np.sqrt(0.5))  # Var(difference) = 1 with equal noise
    for kind, spend in (("t", "obrien-fleming"), ("pooled", "obrien-fleming"), ("known", "obrien-fleming"),
                        ("pooled", "hsd"), ("known", "hsd")):
        power = power_fixed = seeds = fwer = 0.0
        for _ in range(reps):
            y = sweep(np.full(m, D), equal, np.sqrt(0.5))
            rej, sign, spent = sequential(kind, spend, y, m)
            power += (rej & (sign > 0)).mean()
            seeds += spent.mean() / N
            rej_f, sign_f = fixed(kind, y, m)
            power_fixed += (rej_f & (sign_f > 0)).mean()
            fwer += sequential(kind, spend, sweep(np.zeros(m), equal, np.sqrt(0.5)), m)[0].any()
        se = np.sqrt(0.05 * 0.95 / reps)
        print(f"| {kind} | {spend} | {m} | {100 * power / reps:.1f} | {100 * power_fixed / reps:.1f} | "
              f"{seeds / reps:.3f} | {100 * fwer / reps:.1f} ± {100 * se:.1f} |", flush=True)

# Under the global null: the study's nine sds (the baseline's noise 0.02, the rest the configurations'), and nine
# configurations of which one's paired differences have twice the sd of the other eight's (baseline as noisy as those
# eight, so its own noise is sqrt(7) times theirs).
HETEROSCEDASTIC = {
    "the study's nine sds": (np.sqrt(STUDY_SDS**2 - 0.02**2), 0.02),
    "one of nine with twice the sd of differences": (np.array([np.sqrt(0.5)] * 8 + [np.sqrt(4 - 0.5)]), np.sqrt(0.5)),
}
print("\nGlobal null, unequal seed noise:")
print("| noise | statistic | FWER fixed | FWER seq. | noisiest configuration called different, fixed |")
print("|---|---|---|---|---|")
for name, (own, baseline_sd) in HETEROSCEDASTIC.items():
    m = len(own)
    SD_DIFF = np.sqrt(own**2 + baseline_sd**2)
    noisiest = int(np.argmax(SD_DIFF))
    reps = 2 * args.reps
    for kind in ("t", "pooled"):
        fwer_f = fwer_s = worst = 0
        for _ in range(reps):
            y = sweep(np.zeros(m), own, baseline_sd)
            rej_f, _ = fixed(kind, y, m)
            fwer_f += rej_f.any()
            worst += rej_f[noisiest]
            fwer_s += sequential(kind, "obrien-fleming", y, m)[0].any()
        se = 100 * np.sqrt(0.05 * 0.95 / reps)
        print(f"| {name} | {kind} | {100 * fwer_f / reps:.1f} ± {se:.1f} | {100 * fwer_s / reps:.1f} | "
              f"{100 * worst / reps:.1f} |", flush=True)
