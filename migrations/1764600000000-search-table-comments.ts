import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Schema search keeps each table's comment beside its vectors: BM25 and the explanations of a match read the
 * table's whole document at query time, and searchSchema shows the comment. Rows embedded before have none until
 * re-embedded (a new search model name re-embeds every connection anyway).
 */
export class SearchTableComments1764600000000 implements MigrationInterface {
  name = "SearchTableComments1764600000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE schema_embeddings ADD COLUMN comment text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE schema_embeddings DROP COLUMN comment`);
  }
}
