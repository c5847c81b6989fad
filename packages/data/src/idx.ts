/**
 * IDX, the file format of the original MNIST distribution (yann.lecun.com/exdb/mnist): a 4-byte magic
 * (two zero bytes, a type code, the number of dimensions), one big-endian uint32 per dimension, then the
 * values row-major. Only the unsigned-byte type (0x08) is needed here.
 */

/** A parsed IDX tensor of unsigned bytes. */
export interface IdxTensor {
  dims: number[];
  /** Product(dims) bytes; a view into the input buffer, not a copy. */
  data: Uint8Array;
}

const IDX_TYPE_UBYTE = 0x08;

/** Parses an unsigned-byte IDX file; `source` names it in errors. Checks the magic and the exact length. */
export function parseIdx(buffer: Uint8Array, source: string): IdxTensor {
  if (buffer.length < 4) throw new Error(`${source}: not an IDX file (${buffer.length} bytes)`);
  if (buffer[0] !== 0 || buffer[1] !== 0) {
    throw new Error(`${source}: not an IDX file (magic must start with two zero bytes)`);
  }
  if (buffer[2] !== IDX_TYPE_UBYTE) {
    throw new Error(`${source}: IDX type 0x${buffer[2]!.toString(16)} is not unsigned byte (0x08)`);
  }
  const rank = buffer[3]!;
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || buffer.length < headerBytes) {
    throw new Error(`${source}: IDX header of rank ${rank} does not fit in ${buffer.length} bytes`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < rank; d++) {
    const extent = view.getUint32(4 + 4 * d, false);
    dims.push(extent);
    size *= extent;
  }
  if (buffer.length !== headerBytes + size) {
    throw new Error(
      `${source}: IDX dims [${dims.join(", ")}] need ${headerBytes + size} bytes, file has ${buffer.length}`,
    );
  }
  return { dims, data: buffer.subarray(headerBytes) };
}
