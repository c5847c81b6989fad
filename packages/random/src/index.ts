export {
  type RandomStream,
  type RandomStreamState,
  randomStream,
  restoreStream,
  shuffleInPlace,
  streamKey,
} from "./random-stream";
