import type { MigrationInterface, QueryRunner } from "typeorm";

/** One vector per table of a connection's source, with the model and the hash of the text it was made from. */
export class SchemaEmbeddings1764100000000 implements MigrationInterface {
  name = "SchemaEmbeddings1764100000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE schema_embeddings (
      connection_id uuid NOT NULL REFERENCES connections(id),
      table_name text NOT NULL,
      fully_qualified_name text NOT NULL,
      columns jsonb NOT NULL,
      document_hash text NOT NULL,
      model text NOT NULL,
      vector bytea NOT NULL,
      updated timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (connection_id, fully_qualified_name)
    )`);
    // Bumped on create, on every config change and on refresh: the embedding job id is built from it, so
    // duplicate enqueues of one generation collapse and a new generation always gets a job.
    await q.query(`ALTER TABLE connections ADD COLUMN embedding_generation integer NOT NULL DEFAULT 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections DROP COLUMN embedding_generation`);
    await q.query(`DROP TABLE schema_embeddings`);
  }
}
