import { InMemoryRunStore } from "./in-memory-run-store";
import { describeRunStoreConformance } from "./run-store-conformance";

describeRunStoreConformance("in memory", async () => new InMemoryRunStore());
