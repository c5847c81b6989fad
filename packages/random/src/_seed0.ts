import { GeneratorStream } from "./random-stream";

for (const x of [0, -2147483648, 2147483647, -1, 1]) {
  const g = { next: () => x, clone: () => g, getState: () => [] } as never;
  console.log(x, new GeneratorStream(g).int(2147483647));
}
