import { mkdir } from "node:fs/promises";
import path from "node:path";
import { EvaluationMetricSchema } from "@tailsweep/analysis";
import { artifactsNotStoredText } from "@tailsweep/analysis/format";
import { ARTIFACT_FILES, InputError } from "@tailsweep/schemas";
import { inflateStored } from "@tailsweep/sweep";
import { z } from "zod";
import { withApi } from "../api-client";
import { writeFileWhole } from "../write-file-whole";
import { log, printJson } from "./sweep-output";

const ArtifactFileSchema = z.enum(ARTIFACT_FILES);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** `tailsweep trial artifacts <id> [-o dir]`: what the trial kept, and the files themselves into `dir`. */
export async function trialArtifacts(id: string, o: { output?: string; json?: boolean }): Promise<void> {
  await withApi(
    async (api) => {
      const files = await api.trials.files.query({ id });
      if (o.json) printJson(files);
      else {
        if (files.artifacts.length === 0)
          process.stdout.write(
            files.notStored
              ? `trial ${id} kept no artifacts: ${artifactsNotStoredText(files.notStored)}\n`
              : `trial ${id} kept no artifacts\n`,
          );
        for (const a of files.artifacts)
          process.stdout.write(
            `${a.name.padEnd(16)} ${kib(a.bytes).padStart(12)}  (${kib(a.storedBytes)} stored)\n`,
          );
        if (files.checkpoint)
          process.stdout.write(
            `checkpoint       ${kib(files.checkpoint.storedBytes).padStart(12)} stored, ${files.checkpoint.modified}\n`,
          );
      }
      if (!o.output) return;
      await mkdir(o.output, { recursive: true });
      for (const a of files.artifacts) {
        // Checked here too: a file name from a dashboard must not lead a write out of the directory.
        const name = ArtifactFileSchema.parse(a.name);
        const file = await api.trials.file.query({ id, name });
        const target = path.join(o.output, name);
        const bytes = await inflateStored(Buffer.from(file.base64, "base64"));
        await writeFileWhole(
          target,
          (async function* () {
            yield bytes;
          })(),
        );
        log(`wrote ${target}`);
      }
    },
    { trialFiles: true },
  );
}

/** `tailsweep evaluate <trial> --metric a,b`: metrics recomputed from the trial's stored predictions. */
export async function evaluateCommand(trialId: string, o: { metric: string; json?: boolean }): Promise<void> {
  const names = o.metric
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  const parsed = z.array(EvaluationMetricSchema).min(1).safeParse(names);
  if (!parsed.success) {
    // said of the names given, not of the list's places (`metric[1]: …`)
    const unknown = names.filter((n) => !EvaluationMetricSchema.safeParse(n).success);
    throw new InputError(
      "--metric",
      `${unknown.length > 0 ? `${unknown.map((n) => `'${n}'`).join(", ")} ${unknown.length === 1 ? "is not a metric" : "are not metrics"} it computes` : "names no metric"}; use ${EvaluationMetricSchema.options.join(", ")} (comma-separated)`,
    );
  }
  const evaluated = await withApi((api) => api.trials.evaluate.query({ id: trialId, metrics: parsed.data }), {
    trialFiles: true,
    flags: { metrics: "--metric" },
  });
  if (o.json) {
    printJson(evaluated);
    return;
  }
  process.stdout.write(`trial ${trialId}: ${evaluated.rows} test rows, ${evaluated.classes} classes\n`);
  for (const { metric, value } of evaluated.values)
    process.stdout.write(`${metric.padEnd(18)} ${value.toFixed(4)}\n`);
}
