import type { ConnectionType } from "../sources/connection-types";
import { ErrorCode, GatewayError } from "../../errors";
import type { QueryEngine } from "./query-engine";

export type EngineMode = "direct" | "trino";
/** Config fields the direct drivers read as PEM text, and Trino's connectors only as files on its nodes. */
export const CERTIFICATE_FIELDS = ["ssl_ca", "ssl_cert", "ssl_key"];

/** Which engine serves which connection type. Decided once, from config, by the composition root. */
export class EngineRegistry {
  constructor(
    readonly mode: EngineMode,
    private readonly engines: { postgres?: QueryEngine; mysql?: QueryEngine; trino?: QueryEngine },
  ) {}

  /** The engine for a type, and (given the config) one that can serve that config. */
  for(type: ConnectionType, config?: Readonly<Record<string, unknown>>): QueryEngine {
    const engine = this.engineFor(type);
    // The deployment's limit, not the caller's mistake: 503, worded for whoever runs the gateway.
    if (!engine) throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, this.unavailableReason(type)!);
    const files = this.mode === "trino" && config ? CERTIFICATE_FIELDS.filter((f) => typeof config[f] === "string" && config[f] !== "") : [];
    if (files.length > 0) {
      throw new GatewayError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `config.${files[0]}: certificates are used by the direct drivers; through Trino they would need files on every Trino node`,
      );
    }
    return engine;
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
