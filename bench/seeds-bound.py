"""How few seeds can any sequential test spend? A lower bound for issue #18's target (docs/statistics.md, "Does it pay?").

For one comparison — paired differences with drift theta per seed and known unit variance, at most N seeds, looks at
given seed counts — the test that minimises the expected seeds under the effect, among ALL tests of one-sided level
alpha with power >= target, is found by Lagrangian backward induction (Eales & Jennison 1992, Biometrika 79:13;
Jennison & Turnbull 2000, Group Sequential Methods, ch. 7.2): minimise E1[N] + lam0 P0(reject) - lam1 P1(reject) by
dynamic programming on the score, then search the multipliers for size alpha and the power target. An unknown
variance (t statistics), fewer looks, two-sided decisions or a correction across comparisons can only need more
seeds, so what it prints bounds every design tailsweep could run from below.

With --holm-ranks it prints instead an idealised estimate for the whole family of m comparisons under Holm: the
comparison rejected k-th is tested at alpha/(m-k+1) at most, and at less before the others' rejections free their
levels; each comparison here gets the level of a rank from its first seed, as if it knew its rank in advance, and the
ASN-optimal test at that level. The mean over the ranks, with the baseline running as long as the largest of their
expected counts (it pairs every comparison's seeds), is then an idealisation of what a Holm-type sequential design
spends. It is an estimate, not a bound: the ranks are random in a real sweep; each rank must meet the power target
on its own, where a joint design could trade power between ranks; and a procedure that uses the comparisons'
correlation (they share the baseline; Dunnett-type boundaries) could test at somewhat higher levels (--dunnett).

With --dunnett (which implies the per-rank estimate) the same idealisation with step-down Dunnett levels in place of
Holm's, like for like: rank k gets the two-sided level 2(1 - Phi(c_r)), r = m-k+1 comparisons left, where c_r is the
normal-theory Dunnett critical value for r comparisons correlated 0.5 (paired differences against one shared baseline,
equal noise variances), from the integral over the shared factor and checked by 10^6 Monte-Carlo draws; the power
target is the fixed step-down Dunnett design's at 20 seeds (paired t, its critical values calibrated by simulating the
global null) less 3 points, simulated on the medium scenario together with Holm's as a check against the bench.
Still an idealisation, not a bound, for the reasons above (only the correlation is now used).

Run: python3 bench/seeds-bound.py [--holm-ranks] [--dunnett]   (NumPy and SciPy; Debian's python3-scipy; about
3 minutes on 2 cores; about 6 with --holm-ranks; about 8 with --dunnett, its simulations and checks included)
"""
import numpy as np
from scipy.stats import norm, nct, t as tdist
from scipy.integrate import quad
from scipy.optimize import brentq
def bound(theta, alpha, target, N=20, looks=None, G=601):
    looks = np.arange(1, N+1) if looks is None else np.asarray(looks)
    z = np.linspace(-8, 8, G)
    Ss = [z*np.sqrt(n) + theta*n for n in looks]
    # transition kernels between looks (they do not depend on the multipliers): under H1 for the backward pass, and
    # under both drifts for the forward one
    K1 = [None] + [norm.pdf(Ss[k][:,None]-Ss[k-1][None,:], theta*(looks[k]-looks[k-1]), np.sqrt(looks[k]-looks[k-1]))
                   for k in range(1, len(looks))]
    K0 = [None] + [norm.pdf(Ss[k][:,None]-Ss[k-1][None,:], 0.0, np.sqrt(looks[k]-looks[k-1]))
                   for k in range(1, len(looks))]
    def plan(lam0, lam1):
        dec = [None]*len(looks); V = None
        for k in range(len(looks)-1, -1, -1):
            n = looks[k]; S = z*np.sqrt(n) + theta*n
            reject = lam0*np.exp(-theta*S + theta**2*n/2) - lam1   # lam0*dP0/dP1 - lam1, the cost of rejecting
            stop = np.minimum(reject, 0.0)
            if V is None: cont = np.full_like(S, np.inf)
            else:
                m = looks[k+1]-n; Sn = Ss[k+1]
                cont = m + K1[k+1].T @ (V*np.gradient(Sn))
            V = np.minimum(stop, cont)
            dec[k] = np.where(cont < stop, 0, np.where(reject < 0, 1, -1))
        return dec
    def run(dec, drift):
        pr = en = 0.0; dens = None
        for k, n in enumerate(looks):
            S = z*np.sqrt(n) + theta*n; dS = np.gradient(S)
            if dens is None: f = norm.pdf(S, drift*n, np.sqrt(n))
            else:
                f = (K1[k] if drift else K0[k]) @ (dens*dSp)
            mass = f*dS
            pr += mass[dec[k]==1].sum(); en += n*mass[dec[k]!=0].sum()
            dens = np.where(dec[k]==0, f, 0.0); Sp = S; dSp = dS
        return pr, en
    def at_size(lam1):
        # the smallest lam0 whose test has size <= alpha, and that test's size, power and expected seeds
        lo, hi = 1e-3, 1e8
        for _ in range(40):
            mid = np.sqrt(lo*hi); p0, _ = run(plan(mid, lam1), 0.0)
            (lo, hi) = (mid, hi) if p0 > alpha else (lo, mid)
        dec = plan(hi, lam1); p0, _ = run(dec, 0.0); p1, en = run(dec, theta)
        return {"seeds": en, "power": p1, "size": p0}
    # Power grows with lam1 (the reward for rejecting under H1): bisect lam1 until the test's power meets the target
    # from above, so the bound is the optimum's and not a feasible test's that overshoots it.
    lo, hi = 1.0, 1e6
    best = at_size(hi)
    if best["power"] < target:
        return None
    for _ in range(30):
        mid = np.sqrt(lo*hi); r = at_size(mid)
        if r["power"] >= target: hi, best = mid, r
        else: lo = mid
    return best


RHO = 0.5  # correlation of two comparisons' paired differences x_j - x_0: the shared baseline, equal noise variances


def dunnett_c(r, alpha=0.05, rho=RHO):
    """Normal-theory two-sided Dunnett critical value for r comparisons: P(max_{i<=r} |Z_i| <= c) = 1 - alpha."""
    a, b = np.sqrt(rho), np.sqrt(1 - rho)
    def coverage(c):
        # given the shared factor u the Z_i are independent: one integral instead of an r-dimensional one
        f = lambda u: norm.pdf(u) * (norm.cdf((c + a * u) / b) - norm.cdf((-c + a * u) / b)) ** r
        return quad(f, -12, 12, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    return brentq(lambda c: coverage(c) - (1 - alpha), 0.5, 8, xtol=1e-10)


def running_max_abs(z):
    """max_{i<=r} |z_i| for r = 1..m (columns): the statistic whose quantile is c_r, from one set of draws for all r."""
    return np.maximum.accumulate(np.abs(z), axis=1)


def paired_t(rng, reps, m, N, delta):
    """Paired t statistics of m configurations against the baseline, the bench's medium scenario with normal noise:
    seed values N(mean, 1/2) per run, so each paired difference has unit variance (and mean delta) and two of them
    correlation 0.5; the seed effects the bench adds cancel in the differences and are left out."""
    x = rng.standard_normal((reps, m + 1, N)) * np.sqrt(0.5)
    diff = x[:, 1:, :] - x[:, :1, :] + delta
    return diff.mean(2) / (diff.std(2, ddof=1) / np.sqrt(N))


def t_dunnett_c(rng, m, N, draws, alpha=0.05, chunk=20_000):
    """Step-down Dunnett critical values for paired t statistics, r = 1..m, by simulating the global null. Each
    comparison has its own variance estimate, so this is not the pooled-variance multivariate t of the tables."""
    M = np.concatenate([running_max_abs(paired_t(rng, chunk, m, N, 0.0)) for _ in range(draws // chunk)])
    return np.quantile(M, 1 - alpha, axis=0)


def step_down_power(T, crit):
    """Share of the comparisons called better by a step-down test: the k-th largest |T| is held against crit[r-1],
    r = m-k+1 comparisons left, until the first that fails; a rejection counts only in the effect's direction."""
    m = T.shape[1]
    srt = np.take_along_axis(T, np.argsort(-np.abs(T), axis=1), axis=1)
    passed = np.cumprod(np.abs(srt) > crit[:m][::-1], axis=1).astype(bool)
    return (passed & (srt > 0)).mean(1)


def fixed_powers(rng, m, N, d, crits, reps, chunk=20_000):
    """Power (mean share of true comparisons called better) and its Monte-Carlo standard error of fixed step-down
    designs at N seeds, one per critical-value list, on the same simulated sweeps."""
    shares = [[] for _ in crits]
    for _ in range(reps // chunk):
        T = paired_t(rng, chunk, m, N, d)
        for out, c in zip(shares, crits): out.append(step_down_power(T, c))
    return [(s.mean(), s.std(ddof=1) / np.sqrt(len(s))) for s in map(np.concatenate, shares)]


def rank_estimate(d, N, schedules, families, label):
    """The per-rank idealisation: families holds (m, power target, one-sided level of each rank); label(m, k) names
    rank k's level in the printout."""
    for looks, lname in schedules:
        for m, target, levels in families:
            shares = []
            for k in range(1, m + 1):
                b = bound(d, levels[k - 1], target, N, looks=looks)
                shares.append(b["seeds"] / N)
                print(f"  looks {lname}, m={m:2d}, rank {k:2d} ({label(m, k)}): {shares[-1]:.3f}", flush=True)
            print(f"  looks {lname}, m={m:2d}: mean over the ranks {sum(shares) / m:.3f}; with the baseline as long "
                  f"as the largest of them (rank 1's), per configuration {(sum(shares) + max(shares)) / (m + 1):.3f}",
                  flush=True)


def dunnett_targets(d, N, rng, alpha=0.05):
    """Dunnett's normal-theory levels by comparisons left, with their Monte-Carlo check, and the power of the fixed
    step-down Dunnett design at N seeds (Holm's beside it, a check against the bench). Prints as it goes; returns
    {m: (fixed Dunnett power, two-sided level for r = 1..m)}."""
    mmax, mc_draws, null_draws, reps = 20, 10**6, 400_000, 200_000
    c = np.array([dunnett_c(r, alpha) for r in range(1, mmax + 1)])
    level = 2 * norm.sf(c)
    z = np.sqrt(RHO) * rng.standard_normal((mc_draws, 1)) + np.sqrt(1 - RHO) * rng.standard_normal((mc_draws, mmax))
    M = running_max_abs(z); del z
    c_mc, over_mc = np.quantile(M, 1 - alpha, axis=0), (M > c).mean(0); del M
    ct = t_dunnett_c(rng, mmax, N, null_draws, alpha)
    print(f"Dunnett critical values, two-sided alpha {alpha}, comparisons correlated {RHO}: normal c_r by the integral "
          f"over the shared factor (Monte Carlo, {mc_draws:.0e} draws: its {1 - alpha:.2f} quantile of max |Z_i|, and "
          f"P(max |Z_i| > c_r)); t on {N - 1} df by {null_draws} simulated global-null sweeps")
    for r in range(1, mmax + 1):
        print(f"  r={r:2d}: c_r {c[r - 1]:.4f} (MC {c_mc[r - 1]:.4f}, P(max > c_r) {over_mc[r - 1]:.4f}), level "
              f"{level[r - 1]:.5f} (Bonferroni {alpha / r:.5f}); t scale {ct[r - 1]:.4f} "
              f"(Bonferroni t {tdist.isf(alpha / (2 * r), N - 1):.4f})", flush=True)
    out = {}
    for m, bench in [(5, 0.896), (20, 0.760)]:
        holm = tdist.isf(alpha / (2 * np.arange(1, m + 1)), N - 1)
        (pd, sd), (ph, sh) = fixed_powers(rng, m, N, d, [ct, holm], reps)
        print(f"  fixed design at {N} seeds, m={m:2d}, medium/normal, {reps} simulated sweeps: power step-down Dunnett "
              f"{pd:.4f} ± {sd:.4f}, Holm {ph:.4f} ± {sh:.4f} (bench:seeds' Holm {bench:.3f})", flush=True)
        out[m] = (round(pd, 3), level[:m])
    return out


# The bench's medium effect (bench/seeds.ts): the d_z a two-sided paired t-test on 20 seeds detects with 80 % power
# at alpha/5. Power targets: the fixed design's power on the medium/normal scenarios (89.6 % with 5 configurations,
# 76.0 % with 20; bench:seeds) less 3 points, about the two Monte-Carlo standard errors the bench allows.
if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="Lower bounds and estimates of the seeds a sequential design spends")
    parser.add_argument("--holm-ranks", action="store_true",
                        help="the optimistic estimate for a family of m comparisons under Holm, instead of the bounds")
    parser.add_argument("--dunnett", action="store_true",
                        help="the same estimate with step-down Dunnett levels and the fixed Dunnett design's power "
                             "(simulated, seed 18); implies the per-rank estimate")
    args = parser.parse_args()
    N = 20
    crit = tdist.ppf(1 - 0.01 / 2, N - 1)
    d = brentq(lambda d: nct.sf(crit, N - 1, d * np.sqrt(N)) - 0.8, 0.1, 2)  # lower tail < 1e-9: left out
    schedules = [([3, 5, 7, 9, 11, 13, 15, 17, 19, 20], "3,5,...,19,20"), (None, "every seed")]
    if not (args.holm_ranks or args.dunnett):
        print(f"medium effect d_z = {d:.4f}; expected seeds of the best possible test, as a share of {N}")
        for m, fixed in [(5, 0.896), (20, 0.760)]:
            for level, name in [(0.05 / (2 * m), "alpha/m"), (0.05 / 2, "alpha")]:
                for looks, lname in schedules:
                    b = bound(d, level, fixed - 0.03, N, looks=looks)
                    print(f"  m={m:2d}, level {name:7s} (one-sided {level:.5f}), power >= {fixed - 0.03:.3f}, "
                          f"looks {lname:13s}: {b['seeds'] / N:.3f} (its power {b['power']:.3f}, size {b['size']:.4f})",
                          flush=True)
    if args.holm_ranks:
        print(f"medium effect d_z = {d:.4f}; Holm's levels by rank, each comparison given its rank's level from its "
              f"first seed and the ASN-optimal test there; expected seeds as a share of {N} (an estimate, not a bound)")
        families = [(m, fixed - 0.03, [0.05 / (2 * (m - k + 1)) for k in range(1, m + 1)])
                    for m, fixed in [(5, 0.896), (20, 0.760)]]
        rank_estimate(d, N, schedules, families, lambda m, k: f"two-sided alpha/{m - k + 1}")
    if args.dunnett:
        print(f"medium effect d_z = {d:.4f}; step-down Dunnett's levels by rank, each comparison given its rank's "
              f"level from its first seed and the ASN-optimal test there; expected seeds as a share of {N} (an "
              f"estimate, not a bound)")
        targets = dunnett_targets(d, N, np.random.default_rng(18))
        # the target, like Holm's: the fixed Dunnett design's power (to 3 decimals, as the bench's) less 3 points
        # rank k has r = m-k+1 comparisons left; the DP takes the one-sided level, half the two-sided
        families = [(m, fixed - 0.03, [level[m - k] / 2 for k in range(1, m + 1)])
                    for m, (fixed, level) in targets.items()]
        for m, target, _ in families:
            print(f"  m={m:2d}: power target {target:.3f}")
        rank_estimate(d, N, schedules, families,
                      lambda m, k: f"two-sided {targets[m][1][m - k]:.5f}, Dunnett's for {m - k + 1}")
