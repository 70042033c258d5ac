import type { Logger } from "pino";
import type { Principal } from "../services/principal";

/** Built once per request by the HTTP edge, for GraphQL and /v2 alike. */
export interface GatewayContext {
  readonly requestId: string;
  readonly principal: Principal | null;
  readonly logger: Logger;
  /** Aborted when the client disconnects before the response is sent: scans cancel at the source. */
  readonly signal?: AbortSignal;
  /** performance.now() when the request arrived: a scan's time limit counts from here, so the promise holds end to end. */
  readonly receivedAt?: number;
  /**
   * Filled in during the request for metrics and logs. A nested object because Apollo hands plugins a shallow
   * copy of the context: a field set on the copy would never reach the HTTP layer, this object's does.
   */
  readonly trace: { operation?: string };
}
