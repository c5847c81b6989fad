import { randomStream } from "@tailsweep/random";
import { CURRENT_DATASET_VERSION, type MultimodalDataset, type MultimodalTable } from "@tailsweep/schemas";

/**
 * A small, learnable two-modality data set for tests: class c has its own mean pattern in each modality,
 * values squashed into (0, 1) like pixels. Labeled counts follow a long tail; unlabeled rows keep yTrue. With
 * `validation`, that many rows per class form a validation set, drawn after every other table so those stay as
 * they are without one.
 */
export function syntheticDataset(
  options: {
    seed?: number;
    labeled?: number[];
    unlabeled?: number[];
    test?: number;
    validation?: number;
  } = {},
): MultimodalDataset {
  const rng = randomStream(options.seed ?? 7, "synthetic-dataset");
  const labeledCounts = options.labeled ?? [40, 16, 6];
  const unlabeledCounts = options.unlabeled ?? [120, 50, 20];
  const testPerClass = options.test ?? 30;
  const K = labeledCounts.length;
  const dims = [8, 6];
  const means = dims.map((d) =>
    Array.from({ length: K }, () => Array.from({ length: d }, () => 3 * (rng.float() - 0.5))),
  );
  const gaussian = () => rng.normal();
  const table = (counts: number[]): MultimodalTable & { labels: Int32Array } => {
    const n = counts.reduce((a, b) => a + b, 0);
    const x = dims.map((d) => new Float32Array(n * d));
    const labels = new Int32Array(n);
    let row = 0;
    counts.forEach((count, c) => {
      for (let i = 0; i < count; i++, row++) {
        labels[row] = c;
        dims.forEach((d, k) => {
          for (let j = 0; j < d; j++)
            x[k]![row * d + j] = 1 / (1 + Math.exp(-(means[k]![c]![j]! + 0.8 * gaussian())));
        });
      }
    });
    return { n, x, y: labels, labels };
  };
  const labeled = table(labeledCounts);
  const unlabeled = table(unlabeledCounts);
  const test = table(new Array<number>(K).fill(testPerClass));
  const validationPerClass = options.validation;
  const validation = validationPerClass ? table(new Array<number>(K).fill(validationPerClass)) : undefined;
  return {
    name: "synthetic",
    modalities: dims.map((dim, k) => ({ name: `m${k}`, dim })),
    classNames: Array.from({ length: K }, (_, c) => `class-${c}`),
    labeled: { n: labeled.n, x: labeled.x, y: labeled.labels },
    unlabeled: {
      n: unlabeled.n,
      x: unlabeled.x,
      y: new Int32Array(unlabeled.n).fill(-1),
      yTrue: unlabeled.labels,
    },
    test: { n: test.n, x: test.x, y: test.labels },
    ...(validation && { validation: { n: validation.n, x: validation.x, y: validation.labels } }),
    counts: {
      labeled: labeledCounts,
      unlabeled: unlabeledCounts,
      test: new Array<number>(K).fill(testPerClass),
      ...(validationPerClass && { validation: new Array<number>(K).fill(validationPerClass) }),
    },
    recipe: {
      version: CURRENT_DATASET_VERSION,
      name: "user",
      path: "synthetic",
      imbalanceRatio: 1,
      labelRatio: 1,
      unlabeledImbalance: "same",
      headCount: labeledCounts[0]!,
      testPerClass,
      classOrder: "natural",
      seed: options.seed ?? 7,
    },
  };
}
