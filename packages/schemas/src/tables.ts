import type { DatasetRecipe } from "./dataset";

/**
 * Rows of a multimodal data set held in memory: one flat row-major float32 block per modality.
 * This is the hand-off between `@tailsweep/data` (which builds it) and `@tailsweep/model` (which trains on it).
 */
export interface MultimodalTable {
  /** Number of rows. */
  n: number;
  /** x[k] holds n · dims[k] values of modality k, row-major. */
  x: Float32Array[];
  /** Class index per row, or −1 where the row carries no label. */
  y: Int32Array;
}

/** Unlabeled training rows keep their hidden labels (−1 where unknown) to measure pseudo-label bias. */
export interface UnlabeledTable extends MultimodalTable {
  yTrue: Int32Array;
}

/** One modality: its name, flattened dimension and, for images, its shape. */
export interface ModalityInfo {
  name: string;
  dim: number;
  shape?: number[];
  description?: string;
}

/** A prepared semi-supervised, class-imbalanced multimodal data set. */
export interface MultimodalDataset {
  name: string;
  modalities: ModalityInfo[];
  classNames: string[];
  labeled: MultimodalTable;
  unlabeled: UnlabeledTable;
  /** Class-balanced evaluation rows (all labeled). */
  test: MultimodalTable;
  /**
   * Labeled rows drawn from the training pool, disjoint from the labeled and unlabeled rows, that training never
   * sees: what epoch selection reads (`train.select`), so the test set is read once, at the end. Present when the
   * recipe asks for one (`validation`).
   */
  validation?: MultimodalTable;
  /** Rows per class in each part, indexed by class. */
  counts: { labeled: number[]; unlabeled: number[]; test: number[]; validation?: number[] };
  /** The fully resolved recipe (seed filled in). */
  recipe: DatasetRecipe;
}
