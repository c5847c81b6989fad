// Apart from the loaders, so that what only needs the names (a launch's check, in the dashboard's bundle too) does not
// import the file reading and caching that come with them.

/** Class names of MNIST: the digits. */
export const MNIST_CLASS_NAMES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Class names of Fashion-MNIST, by class index (Xiao et al. 2017). */
export const FASHION_MNIST_CLASS_NAMES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];
