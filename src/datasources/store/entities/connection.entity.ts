import { Column, Entity, PrimaryColumn } from "typeorm";

export type EmbeddingState = "PENDING" | "RUNNING" | "READY" | "FAILED";
export type HealthState = "UNKNOWN" | "OK" | "FAILING";

/** Stored config values of secret fields are `enc:v1:…` ciphertexts, never plaintext. */
@Entity({ name: "connections" })
export class ConnectionEntity {
  @PrimaryColumn("uuid") id: string;
  @Column({ name: "account_id", type: "uuid" }) accountId: string;
  /** The account's number (Lytics' `aid`), copied from accounts on insert: it never changes. */
  @Column({ type: "integer" }) aid: number;
  /** Ids of auths a client links to the connection (Lytics' `auth_ids`): kept and returned, not interpreted. */
  @Column({ name: "auth_ids", type: "text", array: true, default: () => "'{}'" }) authIds: string[];
  @Column({ type: "text" }) label: string;
  @Column({ type: "text", nullable: true }) description: string | null;
  @Column({ name: "connection_config_id", type: "text" }) connectionConfigId: string;
  @Column({ type: "jsonb" }) config: Record<string, unknown>;
  /** Bumped on every config change: embedding job ids and caches key on it. */
  @Column({ name: "config_version", type: "integer", default: 1 }) configVersion: number;
  @Column({ type: "timestamptz" }) created: Date;
  @Column({ type: "timestamptz" }) updated: Date;
  @Column({ type: "timestamptz", nullable: true }) deleted: Date | null;
  @Column({ name: "author_id", type: "uuid", nullable: true }) authorId: string | null;
  @Column({ name: "updated_by_user_id", type: "uuid", nullable: true }) updatedByUserId: string | null;
  @Column({ name: "embedding_state", type: "text", default: "PENDING" }) embeddingState: EmbeddingState;
  @Column({ name: "embedding_progress", type: "real", nullable: true }) embeddingProgress: number | null;
  @Column({ name: "embedding_table_count", type: "integer", nullable: true }) embeddingTableCount: number | null;
  @Column({ name: "embedding_model", type: "text", nullable: true }) embeddingModel: string | null;
  @Column({ name: "embedding_error", type: "text", nullable: true }) embeddingError: string | null;
  @Column({ name: "embedding_updated_at", type: "timestamptz", nullable: true }) embeddingUpdatedAt: Date | null;
  @Column({ name: "embedding_generation", type: "integer", default: 1 }) embeddingGeneration: number;
  /** Written in batches by ConnectionHealth, never by a request's own save (see there). */
  @Column({ name: "health_state", type: "text", default: "UNKNOWN" }) healthState: HealthState;
  @Column({ name: "health_checked_at", type: "timestamptz", nullable: true }) healthCheckedAt: Date | null;
  @Column({ name: "health_error", type: "text", nullable: true }) healthError: string | null;
  @Column({ name: "last_used_at", type: "timestamptz", nullable: true }) lastUsedAt: Date | null;
}
