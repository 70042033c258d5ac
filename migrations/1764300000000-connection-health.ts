import type { MigrationInterface, QueryRunner } from "typeorm";

/** Connection.status: the last test's or scan's verdict on the source, and when the connection was last used. */
export class ConnectionHealth1764300000000 implements MigrationInterface {
  name = "ConnectionHealth1764300000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections ADD COLUMN health_state text NOT NULL DEFAULT 'UNKNOWN',
      ADD COLUMN health_checked_at timestamptz, ADD COLUMN health_error text, ADD COLUMN last_used_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections DROP COLUMN health_state, DROP COLUMN health_checked_at, DROP COLUMN health_error, DROP COLUMN last_used_at`);
  }
}
