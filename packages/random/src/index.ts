export { type RandomStream, randomStream, streamKey } from "./random-stream";
