import { describeBusConformance } from "./bus-conformance";
import { InProcessBus } from "./in-process-bus";

describeBusConformance("in process", async (ackWaitMs) => new InProcessBus({ ackWaitMs }));
