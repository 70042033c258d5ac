import type { ConnectionType } from "../sources/connection-types";
import { ErrorCode, GatewayError } from "../../errors";
import type { QueryEngine } from "./query-engine";

export type EngineMode = "direct" | "trino";

/** Which engine serves which connection type. Decided once, from config, by the composition root. */
export class EngineRegistry {
  constructor(
    readonly mode: EngineMode,
    private readonly engines: { postgres?: QueryEngine; mysql?: QueryEngine; trino?: QueryEngine },
  ) {}

  for(type: ConnectionType): QueryEngine {
    const engine = this.engineFor(type);
    if (engine) return engine;
    // The deployment's limit, not the caller's mistake: 503, worded for whoever runs the gateway.
    throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, this.unavailableReason(type)!);
  }

  /** Why this deployment cannot use connections of `type`, for an operator to act on; null when it can. */
  unavailableReason(type: ConnectionType): string | null {
    if (this.engineFor(type)) return null;
    return this.mode === "trino"
      ? `${type.name} connections need a direct driver, which this gateway does not have in Trino mode`
      : `${type.name} connections need the Trino engine, which this gateway does not run: its operator sets TRINO_URL`;
  }

  /** The SQL dialect a scan is written in: the source's own with direct drivers, Trino's through Trino. */
  dialectFor(type: ConnectionType) {
    return this.mode === "trino" ? "trino" : type.dialect;
  }

  all(): QueryEngine[] {
    return Object.values(this.engines).filter((e): e is QueryEngine => Boolean(e));
  }

  private engineFor(type: ConnectionType): QueryEngine | undefined {
    return this.mode === "trino" ? this.trinoFor(type) : this.directFor(type);
  }

  private directFor(type: ConnectionType): QueryEngine | undefined {
    return type.directEngine ? this.engines[type.directEngine] : undefined;
  }

  private trinoFor(type: ConnectionType): QueryEngine | undefined {
    return type.catalog ? this.engines.trino : undefined;
  }
}
