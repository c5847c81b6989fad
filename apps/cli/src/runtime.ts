import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ArtifactStore,
  type Bus,
  FileArtifactStore,
  InProcessBus,
  NatsArtifactStore,
  NatsBus,
} from "@tailsweep/bus";
import {
  CONTROLLER_SESSION_PREFIX,
  type OpenedRunStore,
  openRunStore,
  STORE_LOCKED_CODE,
} from "@tailsweep/db";
import { codeOf, messageLineOf, SettingsError, UnavailableError } from "@tailsweep/schemas";
import { settings } from "./settings";
import { holderAnswers } from "./store-socket";

/** The run store and bus a command uses: DATABASE_URL and NATS_URL when set, the embedded defaults otherwise. */
export interface Runtime {
  opened: OpenedRunStore;
  bus: Bus;
  embeddedBus: boolean;
  /**
   * No other process can reach this store and bus: an embedded PGlite store (locked to this process, or in memory)
   * with the in-process bus. Its controller then takes over trials an earlier process left (ControllerOptions).
   */
  exclusive: boolean;
  /** Trials' checkpoints and artifacts: the NATS object store over NATS, a directory otherwise (see artifactsOn). */
  artifacts: ArtifactStore;
  close(): Promise<void>;
}

/**
 * The artifact store that goes with a store and bus, the first that applies:
 * - the bus's NATS object store (every worker reaches it);
 * - the same over a connection of its own, opened on first use, where NATS_URL is set and no bus was opened;
 * - TAILSWEEP_ARTIFACTS_DIR;
 * - a temporary directory, removed at close, for a store in memory;
 * - `artifacts/` beside the embedded database's directory (`.tailsweep/artifacts` by default), or
 *   `.tailsweep/artifacts` on PostgreSQL.
 */
async function artifactsOn(
  opened: OpenedRunStore,
  bus: Bus,
): Promise<{ store: ArtifactStore; remove?: () => void }> {
  if (bus instanceof NatsBus) return { store: await bus.artifactStore({ replicas: natsReplicas() }) };
  // A command that opened no bus (it only reads) still finds the team's files where NATS_URL says they are.
  const { nats, artifactsDir } = settings();
  const url = nats.url;
  if (url) {
    // Connected on first use: most read commands never touch a file, and must not need NATS up to list sweeps.
    return {
      store: openedOnFirstUse(() =>
        NatsArtifactStore.connect({
          servers: url,
          name: "tailsweep-cli-artifacts",
          prefix: nats.prefix,
          replicas: nats.replicas,
          ...nats.credentials,
        }),
      ),
    };
  }
  if (artifactsDir) return { store: new FileArtifactStore(artifactsDir) };
  if (opened.kind === "pglite" && opened.location === "memory") {
    const dir = mkdtempSync(path.join(tmpdir(), "tailsweep-artifacts-"));
    return { store: new FileArtifactStore(dir), remove: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const beside = opened.kind === "pglite" ? path.dirname(path.resolve(opened.location)) : ".tailsweep";
  return { store: new FileArtifactStore(path.join(beside, "artifacts")) };
}

/**
 * The subject and stream prefix on the NATS server (`TAILSWEEP_NATS_PREFIX`, default "tailsweep"): deployments that
 * share one server keep apart by using different prefixes.
 */
export function natsPrefix(): string {
  return settings().nats.prefix;
}

/**
 * Copies of each stream the controller creates on the NATS server (`TAILSWEEP_NATS_REPLICAS`, default 1): 3 on a
 * three-node JetStream cluster (infra/nats/tailsweep-cluster.conf), so a node can die without losing a queued trial
 * or event. Odd counts only: a stream needs a majority of its copies, so 2 or 4 survive no more losses than 1 or 3.
 * It counts when the streams are first made; an existing stream keeps the count it has.
 */
export function natsReplicas(): number {
  return settings().nats.replicas;
}

/** NATS_URL, or the coded settings error that says `command` needs it. */
export function natsUrlFor(command: string): string {
  const url = settings().nats.url;
  if (!url)
    throw new SettingsError(
      [`NATS_URL: ${command} needs it (e.g. nats://127.0.0.1:4222); unset, there is no one to talk to`],
      "environment",
    );
  return url;
}

/**
 * How long opening the embedded store waits for a command that has it open briefly (a `sweep list` run while
 * `tailsweep ui` builds the dashboard, which then found the store in use and threw its minutes of building away).
 */
const BRIEF_HOLDER_WAIT_MS = 10_000;

/**
 * Opens the run store, waiting a moment where another command has the embedded store open: one that holds it for
 * long (`sweep run`, `ui`) answers on its socket, and is refused at once as before.
 */
async function openWaitingForBriefHolder(
  store: ReturnType<typeof settings>["store"],
  log: (line: string) => void,
): Promise<OpenedRunStore> {
  const deadline = Date.now() + BRIEF_HOLDER_WAIT_MS;
  for (let said = false; ; said = true) {
    try {
      return await openRunStore(store);
    } catch (e) {
      if (codeOf(e) !== STORE_LOCKED_CODE || Date.now() > deadline || (await holderAnswers())) throw e;
      if (!said)
        log(`${messageLineOf(e).split(". ")[0]}; waiting up to ${BRIEF_HOLDER_WAIT_MS / 1000} s for it`);
      await sleep(250);
    }
  }
}

/** Opens the store (migrating it) and the bus, and says once which ones are in use. */
export async function openRuntime(
  log: (line: string) => void,
  options: { needsBus?: boolean } = {},
): Promise<Runtime> {
  const { store, nats } = settings();
  const opened = await openWaitingForBriefHolder(store, log);
  // Read-only commands need no bus: they get an idle in-process one instead of a NATS connection.
  const natsUrl = options.needsBus === false ? undefined : nats.url;
  const bus: Bus = natsUrl
    ? await NatsBus.connect({
        servers: natsUrl,
        name: "tailsweep-cli",
        prefix: nats.prefix,
        replicas: nats.replicas,
        onConnection: log,
        ...nats.credentials,
      }).catch(async (e: unknown) => {
        await opened.close();
        throw e;
      })
    : new InProcessBus();
  if (options.needsBus !== false) {
    log(
      `run store: ${opened.kind} (${opened.location}) · bus: ${natsUrl ? `NATS ${natsUrl}` : "in process (set NATS_URL for workers on other machines)"}`,
    );
  }
  const artifacts = await artifactsOn(opened, bus).catch(async (e: unknown) => {
    await bus.close();
    await opened.close();
    throw e;
  });
  return {
    opened,
    bus,
    embeddedBus: !natsUrl,
    exclusive: !nats.url && opened.kind === "pglite",
    artifacts: artifacts.store,
    close: async () => {
      await artifacts.store.close();
      await bus.close();
      await opened.close();
      artifacts.remove?.();
    },
  };
}

/** An artifact store opened by the first call that needs it; closing one never opened opens nothing. */
function openedOnFirstUse(open: () => Promise<ArtifactStore>): ArtifactStore {
  let opened: Promise<ArtifactStore> | undefined;
  const store = () => {
    opened ??= open();
    return opened;
  };
  return {
    put: async (key, data) => (await store()).put(key, data),
    get: async (key) => (await store()).get(key),
    info: async (key) => (await store()).info(key),
    list: async (prefix) => (await store()).list(prefix),
    delete: async (key) => (await store()).delete(key),
    deletePrefix: async (prefix) => (await store()).deletePrefix(prefix),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}

/** The stable code of the refusal to serve a run store that a controller elsewhere serves. */
export const CONTROLLER_ELSEWHERE_CODE = "CONTROLLER_ELSEWHERE";

/**
 * The controller lease (db's controller-lease.ts) of a command that serves trials over its in-process bus on
 * PostgreSQL (`sweep run`, `ui`): taken at once or refused, never waited for, since a person is waiting. `sweep run`
 * serves one sweep and takes it shared, with that sweep's own lock alone (runs of different files do not meet, two
 * runs of one sweep would), and gives way to a team controller that waits for it; `ui` serves every sweep and takes it
 * alone. Nothing to take on the embedded store (locked to this process) or over NATS (the bus is the team's, and its
 * controller hears this one's workers). `lost` settles when the lease goes (the database restarted or was cut off):
 * the command then ends, since another controller may serve from that moment; the same command resumes.
 */
export async function localControllerLease(
  rt: Runtime,
  command: "tailsweep sweep run" | "tailsweep ui",
  sweepId?: string,
): Promise<{ release(): Promise<void>; lost: Promise<UnavailableError> }> {
  const take = rt.opened.controllerLease;
  if (!take || !rt.embeddedBus) return { release: async () => {}, lost: new Promise(() => {}) };
  const shared = command === "tailsweep sweep run";
  let elsewhere: string | undefined;
  const lease = await take({
    holder: `${command} ${hostname()} pid ${process.pid}`,
    shared,
    once: true,
    onWait: (h) => (elsewhere = h),
    ...(shared && { deferTo: CONTROLLER_SESSION_PREFIX, ...(sweepId !== undefined && { sweepId }) }),
  });
  if (!lease) {
    const instead =
      command === "tailsweep ui"
        ? "Start it with NATS_URL set to that deployment's NATS (it then launches through it), or with --read-only."
        : "Set NATS_URL to that deployment's NATS (then `tailsweep sweep submit <file>` and its workers train it), or wait until it stops.";
    throw new UnavailableError(
      CONTROLLER_ELSEWHERE_CODE,
      `this run store's controller lease (${rt.opened.location}) is taken: ${elsewhere ?? "another controller"}. ${command} on it without NATS_URL would serve trials beside that controller, over a bus of its own, and each would hand back the other's running trials as silent. ${instead}`,
    );
  }
  return lease;
}
