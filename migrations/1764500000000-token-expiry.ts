import type { MigrationInterface, QueryRunner } from "typeorm";

/** Tokens may expire (7, 30 or 90 days, as Lytics' do); tokens made before stay valid until revoked. */
export class TokenExpiry1764500000000 implements MigrationInterface {
  name = "TokenExpiry1764500000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN expires timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN expires`);
  }
}
