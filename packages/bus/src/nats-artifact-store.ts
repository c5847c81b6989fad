import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import {
  type ObjectInfo,
  type ObjectResult,
  type ObjectStore,
  Objm,
  StorageType,
  setSha256Backend,
} from "@nats-io/obj";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { UnavailableError } from "@tailsweep/schemas";
import {
  type ArtifactInfo,
  type ArtifactStore,
  byArtifactKey,
  checkArtifactKey,
  checkArtifactPrefix,
  isArtifactKey,
  isUnderPrefix,
} from "./artifact-store";

// The object store hashes every object it puts or gets (SHA-256, its integrity check), by default in JavaScript on
// the event loop: ≈ 200 ms per 15 MB here against ≈ 9 ms for node:crypto's, which gives the same digests. The
// choice is process-wide, and every process that imports this store is a Node one.
setSha256Backend("native");

/**
 * The object store bucket of a deployment's artifacts: `<prefix>-artifacts`, any character a bucket name may not hold
 * (`[-\w]` only) made `_` (see `natsNames`).
 */
export function artifactBucketName(prefix = "tailsweep"): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, "_")}-artifacts`;
}

/** The stable code of the error a get or put throws after losing the race with other writers {@link RACE_TRIES} times. */
export const ARTIFACT_BUSY_CODE = "ARTIFACT_BUSY";

/**
 * How many times a put that lost to another writer of the same key, or a get whose object was replaced while it
 * read, tries again before giving up. Each loss means another put finished, so this only runs out under a storm.
 */
const RACE_TRIES = 10;

/** How often a get that is reading checks whether its object was replaced (see `readWhole`). */
const REPLACED_CHECK_MS = 1_000;

/** Options of {@link NatsArtifactStore.open}. */
export interface NatsArtifactStoreOptions {
  /** The bucket (default that of prefix "tailsweep", see {@link artifactBucketName}). */
  bucket?: string;
  /**
   * Copies of the bucket when this makes it (default 1): 3 on a three-node JetStream cluster, so losing a node loses
   * no artifact. An existing bucket keeps the count it was made with.
   */
  replicas?: number;
}

/** Options of {@link NatsArtifactStore.connect}: a connection of its own. */
export interface NatsArtifactStoreConnectOptions extends Omit<NatsArtifactStoreOptions, "bucket"> {
  servers: string;
  /** The deployment's prefix (default "tailsweep"): the bucket is {@link artifactBucketName}'s. */
  prefix?: string;
  name?: string;
  user?: string;
  pass?: string;
}

/**
 * The artifact store of team mode: one JetStream object store bucket (file storage) on the bus's NATS server, an
 * object per key. The object store cuts bytes into chunks (128 KiB) and writes the object's description last, with
 * a roll-up: readers find the old description, and the old chunks, until the new one is stored.
 */
export class NatsArtifactStore implements ArtifactStore {
  private constructor(
    private readonly os: ObjectStore,
    /** The connection this store opened itself and closes; none when it shares one (a bus's). */
    private readonly own?: NatsConnection,
  ) {}

  /** The store on an open connection (a bus's: see `NatsBus.artifactStore`), making the bucket if missing. */
  static async open(nc: NatsConnection, options: NatsArtifactStoreOptions = {}): Promise<NatsArtifactStore> {
    return new NatsArtifactStore(await openBucket(nc, options));
  }

  /** Connects to NATS and opens the store; `close` closes that connection. */
  static async connect(options: NatsArtifactStoreConnectOptions): Promise<NatsArtifactStore> {
    const nc = await connect({
      servers: options.servers
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      name: options.name ?? "tailsweep-artifacts",
      maxReconnectAttempts: -1,
      ...(options.user !== undefined && { user: options.user, pass: options.pass }),
    });
    try {
      const os = await openBucket(nc, {
        bucket: artifactBucketName(options.prefix),
        ...(options.replicas !== undefined && { replicas: options.replicas }),
      });
      return new NatsArtifactStore(os, nc);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  async put(key: string, data: Uint8Array): Promise<ArtifactInfo> {
    checkArtifactKey(key);
    for (let attempt = 1; attempt <= RACE_TRIES; attempt++) {
      const current = await this.os.info(key);
      try {
        // Only over the description we saw: a put that ignored a concurrent one would purge only the chunks it saw
        // replaced, leaving the other's behind for good. The loser's own chunks are purged and it tries again.
        const stored = await this.os.putBlob({ name: key }, data, {
          previousRevision: current?.revision ?? 0,
        });
        return toArtifactInfo(stored);
      } catch (e) {
        if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence))
          throw e;
      }
    }
    throw new UnavailableError(
      ARTIFACT_BUSY_CODE,
      `artifact ${key}: other writers replaced it ${RACE_TRIES} times while this put ran`,
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkArtifactKey(key);
    for (let attempt = 1; attempt <= RACE_TRIES; attempt++) {
      const result = await this.os.get(key);
      if (result === null) return undefined;
      const bytes = await readWhole(this.os, key, result);
      if (bytes !== REPLACED) return bytes;
    }
    throw new UnavailableError(
      ARTIFACT_BUSY_CODE,
      `artifact ${key}: replaced ${RACE_TRIES} times while it was being read`,
    );
  }

  async info(key: string): Promise<ArtifactInfo | undefined> {
    checkArtifactKey(key);
    const current = await this.os.info(key);
    return current === null || current.deleted ? undefined : toArtifactInfo(current);
  }

  async list(prefix: string): Promise<ArtifactInfo[]> {
    const segments = checkArtifactPrefix(prefix);
    // The object store lists every object's latest description (deleted ones left out); a bucket has no index by
    // name prefix to ask instead.
    return (await this.os.list())
      .filter((o) => !o.deleted && isArtifactKey(o.name) && isUnderPrefix(o.name, segments))
      .map(toArtifactInfo)
      .sort(byArtifactKey);
  }

  async delete(key: string): Promise<boolean> {
    checkArtifactKey(key);
    const current = await this.os.info(key);
    // The object store's own delete writes a tombstone over a tombstone too, and says it purged.
    if (current === null || current.deleted) return false;
    await this.os.delete(key);
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    let removed = 0;
    for (const { key } of await this.list(prefix)) if (await this.delete(key)) removed++;
    return removed;
  }

  async close(): Promise<void> {
    await this.own?.drain();
  }
}

/** The artifact bucket, made if missing (the object store's `create` opens an existing one as it is). */
export async function openBucket(
  nc: NatsConnection,
  options: NatsArtifactStoreOptions,
): Promise<ObjectStore> {
  return new Objm(nc).create(options.bucket ?? artifactBucketName(), {
    storage: StorageType.File,
    replicas: options.replicas ?? 1,
  });
}

function toArtifactInfo(o: ObjectInfo): ArtifactInfo {
  return { key: o.name, bytes: o.size, modified: new Date(o.mtime) };
}

const REPLACED = Symbol("replaced");

/**
 * Reads an object's bytes, or says it was replaced or deleted meanwhile. The chunks a reader streams are purged when a
 * put replaces the object: the read then waits for chunks that will never come, and the object store's reader has no
 * deadline. So while reading, this checks every {@link REPLACED_CHECK_MS} whether the description it read is still
 * the latest, and gives up the read when not; the caller reads the new one.
 */
async function readWhole(
  os: ObjectStore,
  key: string,
  result: ObjectResult,
): Promise<Uint8Array | typeof REPLACED> {
  const reader = result.data.getReader();
  let replaced = false;
  const check = setInterval(() => {
    os.info(key).then(
      (now) => {
        if (now === null || now.deleted || now.nuid !== result.info.nuid) {
          replaced = true;
          void reader.cancel();
        }
      },
      () => {}, // the check failed (a reconnect, say): the read goes on, and the next check asks again
    );
  }, REPLACED_CHECK_MS);
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
    if (replaced) return REPLACED;
    const failed = await result.error;
    if (failed) throw failed;
  } catch (e) {
    if (!replaced) throw e;
  } finally {
    clearInterval(check);
  }
  if (replaced) return REPLACED;
  return concat(parts, size);
}

/** The parts as one plain Uint8Array (the Node transport hands out Buffers, whose `slice` shares memory). */
function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const [only] = parts;
  if (parts.length === 1 && only) return new Uint8Array(only.buffer, only.byteOffset, only.byteLength);
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
