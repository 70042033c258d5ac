import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { IsNull } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionRepository } from "../../src/datasources/store/connection.repository";
import { ConnectionEntity } from "../../src/datasources/store/entities/connection.entity";
import { openMetadataStore, type MetadataStore } from "../../src/datasources/store/metadata-store";
import { createScratchDatabase } from "../support/databases";
import { describeWith } from "../support/services";

/** A row with every kind of column filled in: jsonb, timestamps, nulls, a real, integers. */
function sampleRow(accountId: string, label: string): ConnectionEntity {
  const now = new Date("2026-11-30T12:34:56.789Z");
  return Object.assign(new ConnectionEntity(), {
    id: randomUUID(),
    accountId,
    label,
    description: null,
    connectionConfigId: "postgres",
    config: { host: "db.example", port: 5432, nested: { list: [1, "two", null] }, password: "enc:v1:k:abc" },
    configVersion: 7,
    authIds: ["auth-1", "x:2"],
    created: now,
    updated: new Date(now.getTime() + 1),
    deleted: null,
    authorId: randomUUID(),
    updatedByUserId: null,
    embeddingState: "READY" as const,
    embeddingProgress: 0.5,
    embeddingTableCount: 11,
    embeddingModel: "local",
    embeddingError: null,
    embeddingUpdatedAt: now,
    embeddingGeneration: 3,
  });
}

/** The hot-path reads bypass TypeORM's query builder: they must hydrate exactly what a repository read does. */
function plainReadsAgainst(open: () => Promise<MetadataStore>) {
  let store: MetadataStore;
  let repo: ConnectionRepository;
  const accountId = randomUUID();
  beforeAll(async () => {
    store = await open();
    await store.migrate();
    await store.dataSource.query("INSERT INTO accounts (id, name, created) VALUES ($1, 'plain', now())", [accountId]);
    repo = new ConnectionRepository(store.dataSource);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  it("findLive returns the same entity as TypeORM's findOneBy, value for value", async () => {
    const row = await repo.insert(sampleRow(accountId, "every column"));
    const viaTypeorm = await store.dataSource.getRepository(ConnectionEntity).findOneBy({ id: row.id });
    const plain = await repo.findLive(accountId, row.id);
    expect(plain).toBeInstanceOf(ConnectionEntity);
    expect(plain).toEqual(viaTypeorm);
    expect(plain!.created).toEqual(new Date("2026-11-30T12:34:56.789Z"));
    expect(plain!.config).toEqual(row.config);
    expect(await repo.liveVersion(accountId, row.id)).toBe(7);
  });

  it("listLive returns the account's live rows as TypeORM's find does, oldest first", async () => {
    const viaTypeorm = await store.dataSource.getRepository(ConnectionEntity).find({ where: { accountId, deleted: IsNull() }, order: { created: "ASC", id: "ASC" } });
    expect(viaTypeorm.length).toBeGreaterThan(0);
    expect(await repo.listLive(accountId)).toEqual(viaTypeorm);
    expect(await repo.listLive(randomUUID())).toEqual([]);
  });

  it("finds nothing for another account, a deleted row or a missing id", async () => {
    const row = await repo.insert(sampleRow(accountId, "soon deleted"));
    expect(await repo.findLive(randomUUID(), row.id)).toBeNull();
    expect(await repo.liveVersion(randomUUID(), row.id)).toBeNull();
    await repo.changeLive(accountId, row.id, (r) => {
      r.deleted = new Date();
    });
    expect(await repo.findLive(accountId, row.id)).toBeNull();
    expect(await repo.liveVersion(accountId, row.id)).toBeNull();
    expect(await repo.findLive(accountId, randomUUID())).toBeNull();
  });
}

describeWith("postgres", "plain reads on the PostgreSQL store", (pgBase) => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  plainReadsAgainst(async () => {
    scratch = await createScratchDatabase(pgBase);
    return openMetadataStore({ databaseUrl: scratch.url, dataDir: os.tmpdir(), command: "test" });
  });
  afterAll(async () => {
    await scratch?.drop();
  });
});

describe("plain reads on the embedded store", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-plain-reads-"));
  plainReadsAgainst(() => openMetadataStore({ databaseUrl: null, dataDir, command: "test" }));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
});
