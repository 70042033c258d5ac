import { findConnectionType } from "../../src/datasources/sources/connection-types";
import type { EngineConnection } from "../../src/datasources/engines/query-engine";

let next = 1;

/** An engine's view of a stored connection, made directly: the engine suites need no metadata store. */
export function engineConnection(slug: string, config: Record<string, string | number | boolean>): EngineConnection {
  const id = `00000000-0000-4000-8000-${String(next++).padStart(12, "0")}`;
  return { id, accountId: "00000000-0000-4000-8000-0000000000aa", configVersion: 1, type: findConnectionType(slug)!, config };
}
