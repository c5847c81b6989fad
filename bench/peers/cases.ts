// The two benchmark cases, described once for both peers: layer shapes (for the FLOP count) and sizes.

/** Batch, sizes and layer list of the reference network of the compute notes (batch 128, 2.59 M parameters). */
export const REFERENCE = {
  batch: 128,
  inputDim: 784,
  latentDim: 32,
  classes: 10,
  /** [in, out, rows] of every dense layer in one forward pass. */
  layers: [
    ...[
      [784, 512],
      [512, 256],
      [256, 64],
    ].flatMap(([i, o]) => [
      [i!, o!, 128],
      [i!, o!, 128],
    ]), // encoders A, B
    [1568, 256, 128],
    [256, 10, 128], // classifier on both modalities
    ...[
      [42, 256],
      [256, 512],
      [512, 784],
    ].flatMap(([i, o]) => [
      [i!, o!, 128],
      [i!, o!, 128],
    ]), // decoders A, B
  ] as [number, number, number][],
};

/** The proposed model at its defaults (two 784-d modalities, K = 10, m = 32, widths 256-256, batches 64 + 64). */
export const PROPOSED = {
  labeledBatch: 64,
  unlabeledBatch: 64,
  inputDim: 784,
  classes: 10,
  latentDim: 32,
  widths: [256, 256],
  classifierWidths: [256],
  nu: 10,
};

/** The proposed case at another batch: half labeled, half unlabeled (128 is the defaults' 64 + 64). */
export function proposedAt(batch: number): typeof PROPOSED {
  if (!Number.isInteger(batch) || batch < 2 || batch % 2 !== 0)
    throw new Error(`batch must be an even whole number ≥ 2, got ${batch}`);
  return { ...PROPOSED, labeledBatch: batch / 2, unlabeledBatch: batch / 2 };
}

function mlpLayers(dims: number[], rows: number): [number, number, number][] {
  return dims.slice(1).map((out, i) => [dims[i]!, out, rows]);
}

/**
 * Dense layers of one proposed-model step: encoders see the labeled batch and the unlabeled batch tiled K times;
 * each modality's decoder runs for the joint subset and its own single subset; classifier heads see both batches.
 */
export function proposedLayers(p = PROPOSED): [number, number, number][] {
  const { inputDim: n, classes: K, latentDim: m } = p;
  const tiled = p.labeledBatch + K * p.unlabeledBatch;
  const perModality = [
    ...mlpLayers([n + K, ...p.widths, 2 * m], tiled),
    ...mlpLayers([m + K, ...p.widths, n], 2 * tiled),
    ...mlpLayers([n, ...p.classifierWidths, K], p.labeledBatch + p.unlabeledBatch),
  ];
  return [...perModality, ...perModality];
}

/** GFLOP of one training step: 2·in·out·rows per dense layer forward, ×3 for forward + backward (the notes' convention). */
export function stepGflop(layers: [number, number, number][]): number {
  return (3 * layers.reduce((s, [i, o, rows]) => s + 2 * i * o * rows, 0)) / 1e9;
}
