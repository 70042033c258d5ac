import { randomUUID } from "node:crypto";
import type { ConnectionRepository } from "../datasources/store/connection.repository";
import { findConnectionType, type ConnectionType } from "../datasources/sources/connection-types";
import { ConnectionEntity } from "../datasources/store/entities/connection.entity";
import type { HostPolicy } from "../datasources/sources/host-policy";
import type { EngineConnection } from "../datasources/engines/query-engine";
import { SecretBox } from "../datasources/secrets/secret-box";
import { badInput, ErrorCode, GatewayError, notFound } from "../errors";
import type { Connection, ConnectionPage } from "../schema/connection.type";
import type { CreateConnectionInput, UpdateConnectionInput } from "../schema/connection.input";
import { mergeConfig, type MergedConfig } from "./config-validator";
import { toConnection } from "./connection.mapper";
import type { Principal } from "./principal";
import { isUuid } from "../ids";
import { TtlCache } from "../ttl-cache";
import { LABEL_MAX } from "../limits";
import { checkAuthIds, checkProvider } from "./lytics-fields";
import type { ConnectionTestService } from "./connection-test.service";
import type { ConnectionHealth } from "./connection-health";
import type { ConnectionTest, TestConnectionConfigInput } from "../schema/connection-test.type";
import { checkFirst, decodeCursor, encodeCursor, notACursor } from "./paging";

/** Told after a connection's config changed or it was deleted: caches, pools and catalogs follow. */
type ConnectionChangeListener = (change: {
  accountId: string;
  connectionId: string;
  /** The config changed or the connection is gone: pools and catalogs built from the old config must go. */
  sourceChanged: boolean;
  /** Set when the change left embeddings PENDING: the generation to compute. */
  embedGeneration: number | null;
}) => Promise<void>;

/**
 * How long a connection with its decrypted config stays in this process's memory unused (never in Redis, never
 * logged). Every scan still asks the store for the live row's version, so a config changed on another instance is
 * never used here, and a deleted connection is never scanned.
 */
const OPENED_TTL_MS = 60_000;
const openedKey = (accountId: string, id: string) => `${accountId}:${id.toLowerCase()}`;

/** The rules for connections: validation against the type, secrets, host policy, soft delete, account scope. */
export class ConnectionService {
  private readonly listeners: ConnectionChangeListener[] = [];
  private readonly opened = new TtlCache<string, EngineConnection>(OPENED_TTL_MS, 1_000);

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly secrets: SecretBox,
    private readonly hosts: HostPolicy,
    private readonly tester: ConnectionTestService,
    private readonly health: ConnectionHealth,
  ) {}

  /** Tests a saved connection with its stored config: a fresh login, as testConnectionConfig does. */
  async test(principal: Principal, id: string): Promise<ConnectionTest> {
    const opened = await this.openForQuery(principal, id);
    const result = await this.tester.test(principal.accountId, opened.type, opened.config);
    await this.health.tested(opened.id, result.ok, result.ok ? null : `${result.code}: ${result.message}`, result.checkedAt);
    return result;
  }

  /** Tests a config that is not saved: checked as create would check it; its secrets are used and forgotten. */
  async testConfig(principal: Principal, input: TestConnectionConfigInput): Promise<ConnectionTest> {
    const type = resolveType(input.connectionConfigId, input.connectionConfigSlug);
    const merged = mergeConfig(type, null, input.config);
    return this.tester.test(principal.accountId, type, { ...merged.values, ...merged.newSecrets });
  }

  /** `test: true` on create or update: the row about to be saved, tested first; nothing is saved when it fails. */
  private async mustPass(row: ConnectionEntity): Promise<void> {
    const opened = this.toEngineConnection(row);
    const result = await this.tester.test(row.accountId, opened.type, opened.config);
    if (!result.ok) throw badInput(`test: the connection test failed at ${result.stage} (${result.code}): ${result.message}`);
  }

  onChange(listener: ConnectionChangeListener): void {
    this.listeners.push(listener);
  }

  /**
   * The live connection with its secrets decrypted, for an engine to use; never returned to a client. One indexed
   * lookup of its version per call; the row is read and decrypted again only when that version is new here.
   */
  async openForQuery(principal: Principal, id: string): Promise<EngineConnection> {
    if (!isUuid(id)) throw notFound("connection");
    const key = openedKey(principal.accountId, id);
    const version = await this.connections.liveVersion(principal.accountId, id);
    if (version === null) {
      this.opened.delete(key);
      throw notFound("connection");
    }
    const cached = this.opened.get(key);
    if (cached?.configVersion === version) return cached;
    const row = await this.connections.findLive(principal.accountId, id);
    if (!row) throw notFound("connection");
    const opened = this.toEngineConnection(row);
    this.opened.set(key, opened);
    return opened;
  }

  /** For background work (embedding jobs): the row and its engine view, or null when missing or deleted. */
  async openForSystem(id: string): Promise<{ row: ConnectionEntity; engine: EngineConnection } | null> {
    const row = await this.connections.findAnyById(id);
    if (!row || row.deleted) return null;
    return { row, engine: this.toEngineConnection(row) };
  }

  private toEngineConnection(row: ConnectionEntity): EngineConnection {
    const type = findConnectionType(row.connectionConfigId)!;
    const config: Record<string, string | number | boolean> = {};
    for (const [field, value] of Object.entries(row.config)) {
      if (!SecretBox.isEncrypted(value)) {
        config[field] = value as string | number | boolean;
        continue;
      }
      try {
        config[field] = this.secrets.decrypt(value, { accountId: row.accountId, connectionId: row.id, field });
      } catch (error) {
        throw badInput(`config.${field}: the stored secret cannot be decrypted (its key may have been removed); update the connection with it`, error);
      }
    }
    return { id: row.id, accountId: row.accountId, configVersion: row.configVersion, type, config };
  }

  /** Marks the connection's embeddings stale (PENDING, next generation) and returns it: for refresh. */
  async markForEmbedding(principal: Principal, id: string): Promise<{ connection: Connection; generation: number }> {
    if (!isUuid(id)) throw notFound("connection");
    const saved = await this.connections.changeLive(principal.accountId, id, (row) => {
      Object.assign(row, {
        embeddingState: "PENDING",
        embeddingGeneration: row.embeddingGeneration + 1,
        embeddingUpdatedAt: new Date(),
        embeddingError: null,
        embeddingProgress: null,
      });
    });
    await this.changed(saved.accountId, saved.id, { embedGeneration: saved.embeddingGeneration });
    return { connection: toConnection(saved), generation: saved.embeddingGeneration };
  }

  private async changed(accountId: string, connectionId: string, change: { sourceChanged?: boolean; embedGeneration?: number | null }): Promise<void> {
    // This instance forgets it at once; others see the new version on their next scan.
    this.opened.delete(openedKey(accountId, connectionId));
    // After the commit, and never failing the request: a stale cache entry expires, a stale pool is replaced,
    // a job that could not be enqueued is picked up by the reconciler from the PENDING state written with the row.
    const event = {
      accountId,
      connectionId,
      sourceChanged: change.sourceChanged ?? false,
      embedGeneration: change.embedGeneration ?? null,
    };
    await Promise.all(this.listeners.map((l) => l(event).catch(() => undefined)));
  }

  async list(principal: Principal): Promise<Connection[]> {
    return (await this.connections.listLive(principal.accountId)).map(toConnection);
  }

  /** One page of the account's connections, filtered by a label substring and a type (id or slug). */
  async page(principal: Principal, options: { search?: string | null; type?: string | null; first?: number | null; after?: string | null }): Promise<ConnectionPage> {
    const { search, type, first, after } = options;
    checkFirst(first);
    if (search && search.length > LABEL_MAX) throw badInput(`search: at most ${LABEL_MAX} characters`);
    const typeId = type ? findConnectionType(type)?.id : undefined;
    if (type && !typeId) throw badInput(`type: unknown connection type '${type.slice(0, 64)}'`);
    const page = await this.connections.pageLive(principal.accountId, {
      search: search || undefined,
      typeId,
      after: after ? decodeConnectionCursor(after) : undefined,
      first: first ?? undefined,
    });
    const last = page.rows.at(-1);
    return {
      connections: page.rows.map(toConnection),
      totalCount: page.total,
      pageInfo: { hasNextPage: page.hasMore, endCursor: last ? encodeConnectionCursor(last) : null },
    };
  }

  /** null when missing, deleted or another account's: callers cannot tell these apart. */
  async find(principal: Principal, id: string): Promise<Connection | null> {
    if (!isUuid(id)) return null;
    const row = await this.connections.findLive(principal.accountId, id);
    return row ? toConnection(row) : null;
  }

  async get(principal: Principal, id: string): Promise<Connection> {
    const found = await this.find(principal, id);
    if (!found) throw notFound("connection");
    return found;
  }

  async create(principal: Principal, input: CreateConnectionInput, options: { id?: string } = {}): Promise<Connection> {
    const type = resolveType(input.connectionConfigId, input.connectionConfigSlug);
    checkProvider(type, input);
    const authIds = checkAuthIds(input.authIds ?? null);
    const merged = mergeConfig(type, null, input.config);
    await this.checkHosts(type, merged);
    const now = new Date();
    const row = Object.assign(new ConnectionEntity(), {
      id: options.id ?? randomUUID(),
      accountId: principal.accountId,
      label: input.label.trim(),
      description: input.description ?? null,
      connectionConfigId: type.id,
      authIds,
      configVersion: 1,
      created: now,
      updated: now,
      deleted: null,
      authorId: principal.tokenId,
      updatedByUserId: principal.tokenId,
      // Written with the row itself, so a crash right after the insert still leaves the work on record.
      embeddingState: "PENDING" as const,
      embeddingUpdatedAt: now,
      embeddingGeneration: 1,
    });
    row.config = this.seal(merged, principal.accountId, row.id);
    if (!row.label) throw badInput("label: must not be blank");
    if (input.test) await this.mustPass(row);
    const saved = await this.connections.insert(row);
    await this.changed(saved.accountId, saved.id, { embedGeneration: saved.embeddingGeneration });
    return toConnection(saved);
  }

  async update(principal: Principal, id: string, input: UpdateConnectionInput): Promise<Connection> {
    if (!isUuid(id)) throw notFound("connection");
    // Left out keeps the label; null cannot (every connection has one), so it is refused rather than ignored.
    if (input.label === null) throw badInput("label: must not be null; leave it out to keep the current label");
    // test: true is run on the change applied to a copy, before the row is locked: a slow source must not hold the
    // store (the embedded one has a single session). The config saved must then be the one tested.
    let tested: string | null = null;
    if (input.test) {
      const copy = await this.connections.findLive(principal.accountId, id);
      if (!copy) throw notFound("connection");
      await this.applyUpdate(principal, copy, input);
      await this.mustPass(copy);
      tested = this.plainConfig(copy);
    }
    let sourceChanged = false;
    const saved = await this.connections.changeLive(principal.accountId, id, async (row) => {
      sourceChanged = await this.applyUpdate(principal, row, input);
      if (tested !== null && this.plainConfig(row) !== tested) {
        throw new GatewayError(ErrorCode.CONFLICT, "config: changed by another request while this one was being tested; send it again");
      }
    });
    await this.changed(saved.accountId, saved.id, { sourceChanged, embedGeneration: sourceChanged ? saved.embeddingGeneration : null });
    return toConnection(saved);
  }

  /** An update's changes applied to a row (validated as they go); true when the config changed. */
  private async applyUpdate(principal: Principal, row: ConnectionEntity, input: UpdateConnectionInput): Promise<boolean> {
    let configChanged = false;
    const type = findConnectionType(row.connectionConfigId)!;
    // Sent back as read: accepted when it is the connection's own type, refused by name when it asks for another.
    for (const [field, given, own] of [
      ["connectionConfigId", input.connectionConfigId, type.id],
      ["connectionConfigSlug", input.connectionConfigSlug, type.slug],
    ] as const) {
      if (given !== undefined && given !== null && given !== own) {
        throw badInput(`${field}: a connection's type cannot be changed (this one is ${type.slug}); create a new connection instead`);
      }
    }
    checkProvider(type, input);
    if (input.authIds !== undefined) row.authIds = checkAuthIds(input.authIds);
    if (input.label !== undefined && input.label !== null) {
      row.label = input.label.trim();
      if (!row.label) throw badInput("label: must not be blank");
    }
    if (input.description !== undefined) row.description = input.description;
    if (input.config !== undefined && input.config !== null) {
      const merged = mergeConfig(type, row.config, input.config);
      await this.checkHosts(type, merged);
      const sealed = this.seal(merged, row.accountId, row.id);
      if (JSON.stringify(sealed) !== JSON.stringify(row.config) || Object.keys(merged.newSecrets).length > 0) {
        row.config = sealed;
        configChanged = true;
        row.configVersion += 1;
        row.embeddingGeneration += 1;
        row.embeddingState = "PENDING";
        row.embeddingUpdatedAt = new Date();
        row.embeddingError = null;
      }
    }
    row.updated = new Date();
    row.updatedByUserId = principal.tokenId;
    return configChanged;
  }

  /** The config as an engine would use it (secrets decrypted), as one string: what a test checked. */
  private plainConfig(row: ConnectionEntity): string {
    return JSON.stringify(this.toEngineConnection(row).config);
  }

  /** Soft delete: the row stays (with `deleted` set) and disappears from every read. */
  async delete(principal: Principal, id: string): Promise<Connection> {
    if (!isUuid(id)) throw notFound("connection");
    const saved = await this.connections.changeLive(principal.accountId, id, (row) => {
      const now = new Date();
      Object.assign(row, { deleted: now, updated: now, updatedByUserId: principal.tokenId });
    });
    // Gone: its pools and catalog go with it.
    await this.changed(saved.accountId, saved.id, { sourceChanged: true });
    return toConnection(saved);
  }

  private async checkHosts(type: ConnectionType, merged: MergedConfig): Promise<void> {
    if (type.fields.some((f) => f.name === "host") && typeof merged.values.host === "string") {
      const port = typeof merged.values.port === "number" ? merged.values.port : undefined;
      await this.hosts.check(merged.values.host, { field: "config.host", port, unresolved: "accept" });
    }
  }

  private seal(merged: MergedConfig, accountId: string, connectionId: string): Record<string, unknown> {
    const config: Record<string, unknown> = { ...merged.values };
    for (const [field, plaintext] of Object.entries(merged.newSecrets)) {
      config[field] = this.secrets.encrypt(plaintext, { accountId, connectionId, field });
    }
    return config;
  }
}

function resolveType(id: string | null | undefined, slug: string | null | undefined): ConnectionType {
  if (!id && !slug) throw badInput("connectionConfigId: give connectionConfigId or connectionConfigSlug");
  const byId = id ? findConnectionType(id) : undefined;
  const bySlug = slug ? findConnectionType(slug) : undefined;
  if (id && !byId) throw badInput(`connectionConfigId: unknown connection type '${id}'`);
  if (slug && !bySlug) throw badInput(`connectionConfigSlug: unknown connection type '${slug}'`);
  if (byId && bySlug && byId !== bySlug) throw badInput("connectionConfigSlug: names a different type than connectionConfigId");
  return (byId ?? bySlug)!;
}

/** A page's end: the last row's creation time and id. */
const encodeConnectionCursor = (row: { created: Date; id: string }) => encodeCursor(`${row.created.toISOString()}|${row.id}`);

function decodeConnectionCursor(cursor: string): { created: Date; id: string } {
  const [at, id, extra] = decodeCursor(cursor.slice(0, 200)).split("|");
  const created = new Date(at);
  if (extra !== undefined || !isUuid(id ?? "") || Number.isNaN(created.getTime()) || created.toISOString() !== at) throw notACursor();
  return { created, id };
}
