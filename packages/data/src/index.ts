/**
 * @tailsweep/data: MNIST and Fashion-MNIST sources, the two built-in multimodal benchmarks, the long-tailed
 * semi-supervised split (with an optional validation split) and user-data import (docs/data.md, docs/data-format.md).
 */
export {
  buildMnistFashion,
  buildMnistTwoView,
  MNIST_FASHION_MODALITIES,
  MNIST_TWO_VIEW_MODALITIES,
  type ResolvedRecipe,
  TWO_VIEW_MAX_DEGREES,
} from "./benchmarks";
export {
  builtInSplitProblems,
  builtInTrainClassRows,
  FASHION_TRAIN_CLASS_ROWS,
  type LaunchRecipe,
  MNIST_TRAIN_CLASS_ROWS,
} from "./built-in-capacity";
export { CACHE_DIR_ENV, configureCacheDir, DEFAULT_CACHE_DIR, resolveCacheDir } from "./cache-dir";
export { checkDatasetFiles } from "./dataset-files";
export {
  defaultFashionSourceDir,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_TEST_PER_CLASS,
  type FashionCacheReport,
  type FashionMnistDataset,
  fashionCacheFileName,
  type LoadFashionMnistOptions,
  loadFashionMnist,
} from "./fashion-mnist";
export { type IdxTensor, parseIdx } from "./idx";
export {
  type CachedImageSplits,
  decodeImageCache,
  encodeImageCache,
  IMAGE_CACHE_VERSION,
  type ImageCacheRead,
  readImageCache,
  writeImageCache,
} from "./image-cache";
export {
  classHistogram,
  gatherScaledRows,
  type ImageDataset,
  type ImageSplit,
  rowsByClass,
} from "./image-set";
export {
  clearSourceMemo,
  type LoadDatasetOptions,
  loadDataset,
  preloadDatasetSources,
  resolveDatasetRecipe,
} from "./load-dataset";
export {
  assertPermutation,
  type LongTailCounts,
  type LongTailParams,
  LongTailParamsSchema,
  longTailCounts,
  type RecipeCounts,
  recipeCounts,
  resolveClassOrder,
  type ValidationCountParams,
  validationCounts,
} from "./long-tail";
export { defaultMnistDir, type LoadMnistOptions, loadMnist, MNIST_CLASS_NAMES } from "./mnist";
export {
  createRng,
  mulberry32,
  type Rng,
  randomPermutation,
  shuffleInPlace,
} from "./rng";
export { rotateBilinear } from "./rotate";
export {
  planBalancedTest,
  planTrainSplit,
  type TestSplitPlan,
  type TrainSplitInput,
  type TrainSplitPlan,
} from "./split-plan";
export { buildUserDataset, recipeSubsamplesUserData } from "./user-dataset";
export {
  DATA_IMPORT_CODE,
  DataImportError,
  loadUserData,
  readLabelFile,
  readModalityFile,
  readUserManifest,
  type UserData,
  type UserManifest,
  UserManifestSchema,
} from "./user-import";
