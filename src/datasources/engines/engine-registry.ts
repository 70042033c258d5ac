import type { ConnectionType } from "../sources/connection-types";
import { badInput } from "../../errors";
import type { QueryEngine } from "./query-engine";

export type EngineMode = "direct" | "trino";

/** Which engine serves which connection type. Decided once, from config, by the composition root. */
export class EngineRegistry {
  constructor(
    readonly mode: EngineMode,
    private readonly engines: { postgres?: QueryEngine; mysql?: QueryEngine; trino?: QueryEngine },
  ) {}

  for(type: ConnectionType): QueryEngine {
    const engine = this.mode === "trino" ? this.trinoFor(type) : this.directFor(type);
    if (engine) return engine;
    const needs = this.mode === "trino" ? "a direct driver, which this gateway does not have" : "the Trino engine (set TRINO_URL)";
    throw badInput(`connectionId: ${type.name} connections need ${needs}`);
  }

  /** The SQL dialect a scan is written in: the source's own with direct drivers, Trino's through Trino. */
  dialectFor(type: ConnectionType) {
    return this.mode === "trino" ? "trino" : type.dialect;
  }

  all(): QueryEngine[] {
    return Object.values(this.engines).filter((e): e is QueryEngine => Boolean(e));
  }

  private directFor(type: ConnectionType): QueryEngine | undefined {
    return type.directEngine ? this.engines[type.directEngine] : undefined;
  }

  private trinoFor(type: ConnectionType): QueryEngine | undefined {
    return type.catalog ? this.engines.trino : undefined;
  }
}
