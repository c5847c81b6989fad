// tfjs-core's own Node bundle lacks the gradient functions and its ESM build uses directory imports that Node
// rejects; the union package's Node bundle registers them on the same tfjs-core instance. Import for the effect.
import "@tensorflow/tfjs";
