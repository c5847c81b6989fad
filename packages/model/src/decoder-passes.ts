import * as tf from "@tensorflow/tfjs-core";

/**
 * Decodes a modality's reconstruction error for `decoderIn`'s rows; `copies` > 1 when those rows are that many
 * blocks, each the batch as one request had it (its tiling included).
 */
export type DecodeRows = (modality: number, decoderIn: tf.Tensor2D, copies: number) => tf.Tensor1D;

/**
 * The reconstruction terms one batch asks of the decoders over the trained subsets (docs/model.md eq. J): the joint
 * subset and each single one decode modality i from their own draws of z, through the same decoder. Merged, a
 * modality's requests are decoded as one pass over their rows stacked (issue #19: fewer kernels, larger matrix
 * products, and no gradient sums of the decoder's weights between the passes); the rows are independent, so each
 * request's error is the same function of its own rows, rounded in another order in the weights' gradients. Not
 * merged, each request is decoded when it is made: the ops, and so the bits, of record.
 */
export class DecoderPasses {
  private readonly pending = new Map<number, { decoderIn: tf.Tensor2D; error?: tf.Tensor1D }[]>();

  constructor(
    private readonly decode: DecodeRows,
    private readonly merge: boolean,
  ) {}

  /** Asks for modality `modality`'s error on `decoderIn`'s rows; the returned function reads it after {@link run}. */
  request(modality: number, decoderIn: tf.Tensor2D): () => tf.Tensor1D {
    if (!this.merge) {
      const error = this.decode(modality, decoderIn, 1);
      return () => error;
    }
    const entry: { decoderIn: tf.Tensor2D; error?: tf.Tensor1D } = { decoderIn };
    const list = this.pending.get(modality);
    if (list) list.push(entry);
    else this.pending.set(modality, [entry]);
    return () => {
      if (!entry.error) throw new Error("DecoderPasses: a reconstruction was read before run()");
      return entry.error;
    };
  }

  /** Decodes every pending request: one pass per modality, in the order the modalities were first asked for. */
  run(): void {
    for (const [modality, entries] of this.pending) {
      if (entries.length === 1) {
        entries[0]!.error = this.decode(modality, entries[0]!.decoderIn, 1);
        continue;
      }
      const stacked = tf.concat(
        entries.map((e) => e.decoderIn),
        0,
      );
      const errors = this.decode(modality, stacked, entries.length);
      const parts = tf.split(
        errors,
        entries.map((e) => e.decoderIn.shape[0]),
      ) as tf.Tensor1D[];
      entries.forEach((e, k) => {
        e.error = parts[k]!;
      });
    }
    this.pending.clear();
  }
}
