import type { Logger } from "pino";
import type { Principal } from "../services/principal";

/** Built once per request by the HTTP edge, for GraphQL and /v2 alike. */
export interface GatewayContext {
  readonly requestId: string;
  readonly principal: Principal | null;
  readonly logger: Logger;
  /** Root fields the operation selects, filled in for metrics and logs. */
  operationLabel?: string;
}
