/**
 * Distribution alignment of the pseudo-label distribution (docs/model.md §10.2, eq. DA; ReMixMatch, Berthelot et al.
 * 2020, ICLR, §3.2): the running average p̂ of the classifier's q(y | x_S) on unlabeled rows, one per trained subset
 * S, and the alignment weights w = p̃/p̂ that turn q into the aligned label guess normalise(q·w) of the unlabeled term.
 *
 * As ReMixMatch's code keeps it (`PMovingAverage`, buffer of 128): p̂ is the mean of the last {@link ALIGNMENT_WINDOW}
 * batch means of q, renormalised to sum to 1; the weights use the epsilon 10⁻⁶ of its `guess_label`,
 * (10⁻⁶ + p̃_c)/(10⁻⁶ + p̂_c); a step reads p̂ before its own batch enters it. One change: ReMixMatch fills the buffer
 * with the uniform distribution, which on its class-balanced benchmarks is also its target; here it starts filled with
 * the target p̃, so the weights start at 1 and alignment begins only as the classifier's own predictions come in
 * (a uniform start would claim that the untrained classifier under-predicts the head classes, and push every guess
 * towards them for the first 128 steps, a large part of a short run).
 *
 * The state is plain numbers on the host, not tensors: it is training state a checkpoint carries (`alignment`), and
 * every value is derived from it in float64 in a fixed order, so a resumed run computes the same weights bit for bit.
 */

/** Batches the running average p̂ spans: ReMixMatch's `dbuf`. */
export const ALIGNMENT_WINDOW = 128;
/** ReMixMatch's epsilon in the ratio (ε + p̃)/(ε + p̂). */
export const ALIGNMENT_EPSILON = 1e-6;

/** The running averages as a checkpoint stores them. */
export interface AlignmentState {
  /** Trained subsets, in the model's order (`MultimodalVae.subsets`): one buffer each. */
  subsets: number;
  classes: number;
  /** Batch means per buffer (ALIGNMENT_WINDOW). */
  window: number;
  /** The slot the next batch mean overwrites (the oldest), the same for every subset. */
  next: number;
  /** subsets × window × classes batch means, subset-major then slot. */
  values: Float32Array;
}

/** The labeled class frequencies N_c / Σ N: the target p̃ of `distributionAlignment: labeled-prior`. */
export function labeledPrior(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 1 / counts.length));
}

/**
 * log of the alignment weights, log((ε + p̃_c)/(ε + p̂_c)), in float64. With them, the aligned q is
 * softmax(f(x) + log w) = normalise(q · w) (eq. DA), which is how the model applies them.
 */
export function alignmentLogWeights(target: readonly number[], average: readonly number[]): number[] {
  return target.map((t, c) => Math.log(ALIGNMENT_EPSILON + t) - Math.log(ALIGNMENT_EPSILON + average[c]!));
}

/** The running averages p̂_S of eq. DA for every trained subset; see the module comment. */
export class DistributionAlignment {
  readonly subsets: number;
  readonly classes: number;
  readonly window = ALIGNMENT_WINDOW;
  /** The target marginal p̃. */
  readonly target: readonly number[];
  private values: Float32Array;
  private next = 0;

  constructor(subsets: number, target: readonly number[]) {
    this.subsets = subsets;
    this.classes = target.length;
    this.target = [...target];
    this.values = new Float32Array(subsets * this.window * this.classes);
    for (let slot = 0; slot < subsets * this.window; slot++) this.values.set(target, slot * this.classes);
  }

  /** p̂_S for subset `s`: the mean of its buffer (starting as p̃ in every slot), summed slot by slot in float64, renormalised. */
  average(s: number): number[] {
    const K = this.classes;
    const sums = new Array<number>(K).fill(0);
    const base = s * this.window * K;
    for (let w = 0; w < this.window; w++)
      for (let c = 0; c < K; c++) sums[c]! += this.values[base + w * K + c]!;
    const means = sums.map((v) => v / this.window);
    const total = means.reduce((a, b) => a + b, 0);
    return means.map((v) => v / total);
  }

  /** The log alignment weights of every subset, in the model's subset order. */
  logWeights(): number[][] {
    return Array.from({ length: this.subsets }, (_, s) => alignmentLogWeights(this.target, this.average(s)));
  }

  /**
   * Puts one step's batch means of q(y | x_S) (subsets × classes, the model's subset order) in every buffer, over the
   * oldest entry.
   */
  update(batchMeans: Float32Array): void {
    const K = this.classes;
    if (batchMeans.length !== this.subsets * K)
      throw new Error(`alignment: ${batchMeans.length} batch means where ${this.subsets}×${K} are needed`);
    for (let s = 0; s < this.subsets; s++)
      this.values.set(batchMeans.subarray(s * K, (s + 1) * K), (s * this.window + this.next) * K);
    this.next = (this.next + 1) % this.window;
  }

  /** A copy of the state, for a checkpoint. */
  state(): AlignmentState {
    return {
      subsets: this.subsets,
      classes: this.classes,
      window: this.window,
      next: this.next,
      values: this.values.slice(),
    };
  }

  /** Why `state` cannot be restored here, or undefined when it can. */
  stateProblem(state: AlignmentState): string | undefined {
    if (state.subsets !== this.subsets || state.classes !== this.classes || state.window !== this.window)
      return `it has ${state.subsets} subsets × ${state.classes} classes × ${state.window} batches where the model has ${this.subsets} × ${this.classes} × ${this.window}`;
    if (state.values.length !== this.subsets * this.window * this.classes)
      return `it has ${state.values.length} values for ${this.subsets} × ${this.window} × ${this.classes}`;
    if (!Number.isInteger(state.next) || state.next < 0 || state.next >= this.window)
      return `its next slot ${state.next} is not one of 0 to ${this.window - 1}`;
    if (!state.values.every((v) => Number.isFinite(v) && v >= 0))
      return "it holds a value that is no probability";
    return undefined;
  }

  /** Restores a state {@link stateProblem} accepted. */
  restore(state: AlignmentState): void {
    const problem = this.stateProblem(state);
    if (problem) throw new Error(`alignment: cannot restore the state: ${problem}`);
    this.values = state.values.slice();
    this.next = state.next;
  }
}
