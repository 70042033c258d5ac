import type { EngineRegistry } from "../datasources/engines/engine-registry";
import type { ColumnInfo, TableInfo } from "../datasources/engines/query-engine";
import type { SchemaCache } from "../datasources/cache/schema-cache";
import { badInput, notFound } from "../errors";
import { canonicalId } from "../ids";
import type { GatewayMetrics } from "../metrics";
import type { Table, TablePage } from "../schema/table.type";
import type { ConnectionService } from "./connection.service";
import type { Principal } from "./principal";
import { checkFirst, decodeCursor, encodeCursor } from "./paging";

const TABLE_NAME = /^[^\u0000-\u001f\u007f]{1,255}$/;

/** Which connection, and which version of its config: cache entries are keyed by both. */
export interface ConnectionRef {
  readonly id: string;
  readonly configVersion: number;
}

/** Schema discovery: table lists and column lists, cached per account and connection, searchable and paged. */
export class SchemaService {
  constructor(
    private readonly connections: ConnectionService,
    private readonly engines: EngineRegistry,
    private readonly cache: SchemaCache,
    private readonly metrics: GatewayMetrics,
  ) {}

  async tables(
    principal: Principal,
    connection: ConnectionRef,
    options: { search?: string | null; first?: number | null; after?: string | null; refresh?: boolean | null } = {},
  ): Promise<TablePage> {
    checkFirst(options.first);
    const all = await this.cached<TableInfo[]>(principal, connection, "tables", options.refresh ?? false, async (engineConnection) => {
      const engine = this.engines.for(engineConnection.type, engineConnection.config);
      return engine.listTables(engineConnection);
    });
    const needle = options.search?.trim().toLowerCase() ?? "";
    const matching = needle ? all.filter((t) => t.fullyQualifiedName.toLowerCase().includes(needle)) : all;
    const sorted = [...matching].sort((a, b) => (a.fullyQualifiedName < b.fullyQualifiedName ? -1 : a.fullyQualifiedName > b.fullyQualifiedName ? 1 : 0));
    const after = options.after ? decodeCursor(options.after) : null;
    const start = after === null ? 0 : sorted.findIndex((t) => t.fullyQualifiedName > after);
    const from = start < 0 ? sorted.length : start;
    const page = options.first === undefined || options.first === null ? sorted.slice(from) : sorted.slice(from, from + options.first);
    const last = page.at(-1);
    const pageInfo = { hasNextPage: from + page.length < sorted.length, endCursor: last ? encodeCursor(last.fullyQualifiedName) : null };
    return { tables: page.map(toTable), totalCount: sorted.length, ...pageInfo, pageInfo };
  }

  /** One table's columns, fresh from the source unless cached; null when there is no such table. */
  async table(principal: Principal, connection: ConnectionRef, name: string): Promise<Table | null> {
    if (!TABLE_NAME.test(name)) throw badInput("name: a table name of 1 to 255 printable characters");
    const columns = await this.cached<ColumnInfo[] | null>(principal, connection, `table:${name}`, false, async (engineConnection) =>
      this.engines.for(engineConnection.type, engineConnection.config).describeTable(engineConnection, name),
    );
    if (!columns) return null;
    const dot = name.indexOf(".");
    return { name: dot >= 0 ? name.slice(dot + 1) : name, fullyQualifiedName: name, numColumns: columns.length, error: null, columns };
  }

  invalidate(accountId: string, connectionId: string): Promise<void> {
    return this.cache.drop(accountId, connectionId);
  }

  private async cached<T>(
    principal: Principal,
    connection: ConnectionRef,
    name: string,
    refresh: boolean,
    load: (c: Awaited<ReturnType<ConnectionService["openForQuery"]>>) => Promise<T>,
  ): Promise<T> {
    // Entries are keyed by account and dropped when the connection changes or goes, so a hit was loaded by this
    // account for a live connection: it needs no row look-up or decryption. A miss opens (and checks) it. The id is
    // canonical, so no other spelling of it can hold an entry that invalidation would miss. The entry names the
    // config's version: one written for an older config (a drop lost while Redis was down, then an old snapshot
    // restored) is never read.
    const connectionId = canonicalId(connection.id);
    if (!connectionId) throw notFound("connection");
    const entry = `v${connection.configVersion}:${name}`;
    if (!refresh) {
      const hit = await this.cache.get<T>(principal.accountId, connectionId, entry);
      this.metrics.cacheLookup(hit !== null);
      if (hit !== null) return hit;
    }
    const opened = await this.connections.openForQuery(principal, connectionId);
    const value = await load(opened);
    // Filed under the version actually read: the config may have changed since the caller loaded the connection.
    await this.cache.set(principal.accountId, connectionId, `v${opened.configVersion}:${name}`, value);
    return value;
  }
}

function toTable(t: TableInfo): Table {
  return {
    name: t.name,
    fullyQualifiedName: t.fullyQualifiedName,
    comment: t.comment ?? null,
    kind: t.kind ?? null,
    estimatedRows: t.estimatedRows ?? null,
    numColumns: t.columns.length,
    error: null,
    columns: t.columns,
  };
}
