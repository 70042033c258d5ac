import type { MigrationInterface, QueryRunner } from "typeorm";

/** `ssl` became a mode: configs saved as true or false say verify-full or disable, as the engines read them. */
export class SslModes1764400000000 implements MigrationInterface {
  name = "SslModes1764400000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE connections SET config = jsonb_set(config, '{ssl}', CASE WHEN config->'ssl' = 'true'::jsonb THEN '"verify-full"'::jsonb ELSE '"disable"'::jsonb END)
      WHERE jsonb_typeof(config->'ssl') = 'boolean'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE connections SET config = jsonb_set(config, '{ssl}', to_jsonb(config->>'ssl' <> 'disable')) WHERE jsonb_typeof(config->'ssl') = 'string'`);
  }
}
