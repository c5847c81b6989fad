import type { EpochRecord, StepInfo } from "@tailsweep/model";
import cliProgress from "cli-progress";

/** Progress reporting: a live bar on a terminal, one plain line per epoch otherwise (logs, CI). */
export interface Progress {
  step: (info: StepInfo) => void;
  epoch: (record: EpochRecord) => void;
  stop: () => void;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3));

function epochLine(r: EpochRecord, epochs: number): string {
  const test = r.test
    ? `  test acc ${r.test.accuracy.toFixed(3)} bal.acc ${r.test.balancedAccuracy.toFixed(3)}`
    : "";
  const validation = r.validation
    ? `  val acc ${r.validation.accuracy.toFixed(3)} bal.acc ${r.validation.balancedAccuracy.toFixed(3)}`
    : "";
  const l = r.loss;
  return `epoch ${r.epoch}/${epochs}  loss ${fmt(l.total)} (lab ${fmt(l.labeled)} unl ${fmt(l.unlabeled)} cls ${fmt(l.classification)})${test}${validation}  ${r.seconds.toFixed(1)} s`;
}

function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Creates the reporter for `epochs` epochs writing to `stream`. */
export function createProgress(epochs: number, stream: NodeJS.WriteStream): Progress {
  if (!stream.isTTY) {
    return { step: () => {}, epoch: (r) => stream.write(`${epochLine(r, epochs)}\n`), stop: () => {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        "epoch {epoch}/{epochs} |{bar}| step {value}/{total} | loss {loss} (lab {lab} unl {unl} cls {cls}) | epoch ETA {eta_formatted} | run ETA {runEta}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const runStart = performance.now();
  let stepsDone = 0;
  return {
    step: (s) => {
      stepsDone++;
      const remaining = (epochs - s.epoch) * s.stepsPerEpoch + (s.stepsPerEpoch - s.step);
      const payload = {
        runEta: formatSeconds(((performance.now() - runStart) / 1000 / stepsDone) * remaining),
        epoch: s.epoch,
        epochs,
        loss: fmt(s.loss.total),
        lab: fmt(s.loss.labeled),
        unl: fmt(s.loss.unlabeled),
        cls: fmt(s.loss.classification),
      };
      if (!started || s.step === 1) {
        if (started) bar.stop();
        bar.start(s.stepsPerEpoch, s.step, payload);
        started = true;
      } else bar.update(s.step, payload);
    },
    epoch: (r) => {
      if (started) bar.stop();
      started = false;
      stream.write(`${epochLine(r, epochs)}\n`);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
