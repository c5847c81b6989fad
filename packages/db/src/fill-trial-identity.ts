import { MappingSchema, StoredRunConfigSchema, StoredSweepSpecSchema } from "@tailsweep/schemas";
import { configIdentity } from "@tailsweep/sweep";
import type { SqlConnection } from "./migrate";
import { stored } from "./stored-data";

/** Rows read and written per round: one UPDATE each, memory bounded however many trials are stored. */
const BATCH = 2_000;

const ParamsSchema = MappingSchema;

/**
 * Fills `config_key`, `config_label` and `kind` of the trials stored before those columns existed, with
 * `configIdentity` from @tailsweep/sweep: the function that gives new trials theirs at expansion, so an old row's
 * key is the one the same configuration gets today. Run by the migrator inside the transaction of the migration
 * that adds the columns; the next one makes them NOT NULL.
 *
 * Filled once rather than computed where a row is read: then the columns are required, every reader (the typed
 * record, and SQL that groups or counts by key or kind, and the (sweep_id, config_key) index) sees the same value
 * for old and new rows, and no read needs the sweep's spec to tell a trial's kind. A row whose params, config or
 * sweep spec no longer parses stops the migration (rolled back), naming the row: nothing is guessed.
 */
export async function fillTrialIdentity(db: SqlConnection): Promise<void> {
  const specs = new Map<string, Parameters<typeof configIdentity>[0]>();
  const executionOf = async (sweepId: string) => {
    const known = specs.get(sweepId);
    if (known) return known;
    const { rows } = await db.query<{ spec: unknown }>("SELECT spec FROM sweep WHERE id = $1", [sweepId]);
    const execution = stored(StoredSweepSpecSchema, rows[0]?.spec, `sweep ${sweepId}`, "spec").execution;
    specs.set(sweepId, execution);
    return execution;
  };
  for (;;) {
    // Filled rows drop out of the WHERE: each round reads the next batch without an offset.
    const { rows } = await db.query<{ id: string; sweep_id: string; params: unknown; config: unknown }>(
      "SELECT id, sweep_id, params, config FROM trial WHERE config_key IS NULL ORDER BY id LIMIT $1",
      [BATCH],
    );
    if (rows.length === 0) return;
    const filled = [];
    for (const t of rows) {
      const row = `trial ${t.id}`;
      const identity = configIdentity(
        await executionOf(t.sweep_id),
        stored(ParamsSchema, t.params, row, "params"),
        stored(StoredRunConfigSchema, t.config, row, "config"),
      );
      filled.push({
        id: t.id,
        config_key: identity.configKey,
        config_label: identity.configLabel,
        kind: identity.kind,
      });
    }
    // One statement per batch; the rows travel as one JSON text, which node-postgres and PGlite pass alike.
    await db.query(
      `UPDATE trial AS t SET config_key = f.config_key, config_label = f.config_label, kind = f.kind
       FROM jsonb_to_recordset($1::jsonb) AS f(id text, config_key text, config_label text, kind text)
       WHERE t.id = f.id`,
      [JSON.stringify(filled)],
    );
  }
}
