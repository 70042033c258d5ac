import type { MigrationInterface, QueryRunner } from "typeorm";

export class Init1764000000000 implements MigrationInterface {
  name = "Init1764000000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      created timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE api_tokens (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id),
      role text NOT NULL CHECK (role IN ('admin', 'reader')),
      token_hash text NOT NULL UNIQUE,
      name text,
      created timestamptz NOT NULL DEFAULT now(),
      revoked timestamptz
    )`);
    await q.query(`CREATE TABLE connections (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id),
      label text NOT NULL,
      description text,
      connection_config_id text NOT NULL,
      config jsonb NOT NULL,
      config_version integer NOT NULL DEFAULT 1,
      created timestamptz NOT NULL,
      updated timestamptz NOT NULL,
      deleted timestamptz,
      author_id uuid,
      updated_by_user_id uuid,
      embedding_state text NOT NULL DEFAULT 'PENDING'
        CHECK (embedding_state IN ('PENDING', 'RUNNING', 'READY', 'FAILED')),
      embedding_progress real,
      embedding_table_count integer,
      embedding_model text,
      embedding_error text,
      embedding_updated_at timestamptz
    )`);
    // Labels are unique among an account's live connections; a deleted one frees its label.
    await q.query(`CREATE UNIQUE INDEX connections_account_label ON connections (account_id, lower(label)) WHERE deleted IS NULL`);
    await q.query(`CREATE INDEX connections_account_live ON connections (account_id, created) WHERE deleted IS NULL`);
    await q.query(`CREATE INDEX connections_embedding_pending ON connections (embedding_state) WHERE deleted IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connections`);
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE accounts`);
  }
}
