import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "./register-gradients";

/** Tests run on the JS `cpu` backend: deterministic and always available. */
export async function useCpuBackend(): Promise<void> {
  tf.env().set("PROD", true); // silences tfjs's "install tfjs-node" banner
  await tf.setBackend("cpu");
  await tf.ready();
}
