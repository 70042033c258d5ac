import { findConnectionType } from "../datasources/sources/connection-types";
import { SecretBox } from "../datasources/secrets/secret-box";
import type { ConnectionEntity } from "../datasources/store/entities/connection.entity";
import { Connection } from "../schema/connection.type";
import { ConnectionStatus, EmbeddingState, EmbeddingStatus, HealthState } from "../schema/embedding-status.type";

/** Entity → API type, field by field: a new column never reaches a response without being named here. */
export function toConnection(row: ConnectionEntity): Connection {
  const type = findConnectionType(row.connectionConfigId);
  return Object.assign(new Connection(), {
    id: row.id,
    configVersion: row.configVersion,
    accountId: row.accountId,
    aid: row.aid,
    label: row.label,
    description: row.description,
    connectionConfigId: row.connectionConfigId,
    connectionConfigSlug: type?.slug ?? "unknown",
    providerId: type?.provider.id ?? "unknown",
    providerSlug: type?.provider.slug ?? "unknown",
    config: showableConfig(row.config, type?.fields.filter((f) => f.secret).map((f) => f.name) ?? []),
    authIds: row.authIds,
    created: row.created,
    updated: row.updated,
    deleted: row.deleted,
    authorId: row.authorId,
    updatedByUserId: row.updatedByUserId,
    embedding: Object.assign(new EmbeddingStatus(), {
      state: EmbeddingState[row.embeddingState],
      progress: row.embeddingProgress,
      tableCount: row.embeddingTableCount,
      model: row.embeddingModel,
      error: row.embeddingError,
      updatedAt: row.embeddingUpdatedAt,
    }),
    status: Object.assign(new ConnectionStatus(), {
      state: HealthState[row.healthState ?? "UNKNOWN"],
      checkedAt: row.healthCheckedAt ?? null,
      error: row.healthError ?? null,
      lastUsedAt: row.lastUsedAt ?? null,
    }),
  });
}

/** Secrets are stored as enc:v1 ciphertexts; anything else in a secret slot is withheld rather than shown. */
function showableConfig(config: Record<string, unknown>, secretFields: string[]): Record<string, unknown> {
  const shown = { ...config };
  for (const name of secretFields) if (name in shown && !SecretBox.isEncrypted(shown[name])) delete shown[name];
  return shown;
}
