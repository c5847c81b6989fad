import { messageOf } from "@tailsweep/schemas";
import { LaunchForm } from "../../../components/launch-form";
import { firstValues, type SearchParams } from "../../../lib/search-params";
import { api, host } from "../../../server/store";

export const dynamic = "force-dynamic";

/** A small but real starting point: the Student-t model against the Gaussian at two ν, three seeds. */
const STARTER = {
  name: "my-sweep",
  project: "default",
  dataset: { name: "mnist-2view", imbalanceRatio: 100, labelRatio: 0.1, headCount: 500, testPerClass: 200 },
  model: { encoderWidths: [128], decoderWidths: [128], classifierWidths: [128], latentDim: 16 },
  train: { epochs: 2 },
  search: { variant: ["proposed", "gaussian"], nu: [5, 30] },
  seeds: 3,
};

/** Launch a sweep: the form (or YAML) of a sweep file, empty or copied from a stored sweep (`?from=<id>`). */
export default async function LaunchPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { from } = firstValues(await searchParams);
  const { launchTarget, sweepLimits } = await host();
  let initial: Record<string, unknown> = STARTER;
  let copied: string | undefined;
  // Said above the form, which then starts from the example: silently it read as a copy that was not one.
  let notCopied: string | undefined;
  if (from) {
    // the file it was submitted with: not the seeds later revisions added, a sequential design as the file wrote it
    const sweep = await (await api()).sweeps.file({ id: from }).catch((e: unknown) => {
      notCopied = `Nothing copied from ${from}: ${messageOf(e)}. The form starts from the example.`;
      return undefined;
    });
    if (sweep) {
      initial = sweep.file;
      copied = `${sweep.project}/${sweep.name}`;
    }
  }
  return (
    <main>
      <h1>Launch a sweep{copied ? ` (a copy of ${copied})` : ""}</h1>
      {notCopied && (
        <p className="field-error" data-testid="copy-error">
          {notCopied}
        </p>
      )}
      {launchTarget ? (
        <LaunchForm initial={initial} launchTarget={launchTarget} limits={sweepLimits} />
      ) : (
        <p>
          This dashboard is read-only (started with <code>--read-only</code>, or without{" "}
          <code>tailsweep ui</code>): launch with <code>tailsweep sweep run</code> or{" "}
          <code>tailsweep sweep submit</code>.
        </p>
      )}
    </main>
  );
}
