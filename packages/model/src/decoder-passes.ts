import * as tf from "@tensorflow/tfjs-core";

/**
 * A modality's reconstruction error per row of `decoderIn` (docs/model.md eq. R3): the rows are the batch, its
 * class-major tiling, or several such blocks stacked, each decoded against the batch's row it repeats.
 */
export type ReconstructionError = (modality: number, decoderIn: tf.Tensor2D) => tf.Tensor1D;

interface Request {
  decoderIn: tf.Tensor2D;
  error?: tf.Tensor1D;
}

/**
 * The reconstruction terms one batch asks of the decoders (docs/model.md eq. J): the joint subset and each single one
 * decode modality i from their own draws of z through the same decoder, and a mixture decodes each expert's draw.
 * Stacked, a modality's requests are decoded as one pass over their rows (issue #19: fewer kernels, larger matrix
 * products, no sums of the decoder's weight gradients between passes); the rows are independent, so each request's
 * error is the same function of its own rows, and only the weights' gradients are rounded in another order. Not
 * stacked, each request is decoded when it is made: the ops, and so the bits, of record.
 */
export class DecoderPasses {
  private readonly pending = new Map<number, Request[]>();

  constructor(
    private readonly reconstructionError: ReconstructionError,
    private readonly stacked: boolean,
  ) {}

  /** Asks for modality `modality`'s error on `decoderIn`'s rows; the returned function reads it after {@link run}. */
  request(modality: number, decoderIn: tf.Tensor2D): () => tf.Tensor1D {
    if (!this.stacked) {
      const error = this.reconstructionError(modality, decoderIn);
      return () => error;
    }
    const request: Request = { decoderIn };
    const list = this.pending.get(modality);
    if (list) list.push(request);
    else this.pending.set(modality, [request]);
    return () => {
      if (!request.error) throw new Error("DecoderPasses: a reconstruction was read before run()");
      return request.error;
    };
  }

  /** Decodes every pending request: one pass per modality, in the order the modalities were first asked for. */
  run(): void {
    for (const [modality, requests] of this.pending) {
      if (requests.length === 1) {
        requests[0]!.error = this.reconstructionError(modality, requests[0]!.decoderIn);
        continue;
      }
      const rows = requests.map((r) => r.decoderIn.shape[0]);
      const errors = this.reconstructionError(
        modality,
        tf.concat(
          requests.map((r) => r.decoderIn),
          0,
        ),
      );
      const parts = tf.split(errors, rows) as tf.Tensor1D[];
      requests.forEach((r, k) => {
        r.error = parts[k]!;
      });
    }
    this.pending.clear();
  }
}
