export { type RandomStream, randomStream, shuffleInPlace, streamKey } from "./random-stream";
