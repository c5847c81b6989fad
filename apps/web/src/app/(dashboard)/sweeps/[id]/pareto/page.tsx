import { notFound } from "next/navigation";
import { AutoSubmit } from "../../../../../components/auto-submit";
import { ParetoSection } from "../../../../../components/pareto-section";
import { api } from "../../../../../server/store";

export const dynamic = "force-dynamic";

/**
 * A sweep's Pareto front on a page of its own (`/sweeps/<id>/pareto?frontX=…&frontY=…`): a link that shows the
 * trade-off alone, and the section the sweep page mounts too.
 */
export default async function ParetoPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const sp = Object.fromEntries(
    Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
  );
  const sweep = await (await api()).sweeps.get({ id }).catch(() => undefined);
  if (!sweep) notFound();
  return (
    <main>
      <AutoSubmit />
      <h1>
        <a href={`/sweeps/${sweep.id}`}>
          {sweep.project}/{sweep.name}
        </a>
      </h1>
      <ParetoSection id={sweep.id} sp={sp} />
    </main>
  );
}
