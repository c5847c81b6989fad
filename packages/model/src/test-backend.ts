import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "./register-gradients";

/** Tests run on the JS `cpu` backend: deterministic and always available. */
export async function useCpuBackend(): Promise<void> {
  tf.env().set("PROD", true); // silences tfjs's "install tfjs-node" banner
  await tf.setBackend("cpu");
  await tf.ready();
}

/** The kernels run while `fn` runs, by name (to check that a change removed some). */
export function kernelsDuring(fn: () => void): Map<string, number> {
  const engine = tf.engine() as unknown as { runKernel(name: string, ...rest: unknown[]): unknown };
  const stock = engine.runKernel;
  const seen = new Map<string, number>();
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    seen.set(name, (seen.get(name) ?? 0) + 1);
    return stock.call(this, name, ...rest);
  };
  try {
    fn();
  } finally {
    engine.runKernel = stock;
  }
  return seen;
}
