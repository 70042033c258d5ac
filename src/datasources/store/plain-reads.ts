import type pg from "pg";
import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";

/**
 * Reads on every request's path (one connection row, its config version) go straight to the store's pool: TypeORM's
 * query runner and query builder cost more CPU than the read itself (docs/benchmarks.md). The row is hydrated with
 * TypeORM's own column metadata, so values come back exactly as a repository's would. Unnamed statements: the
 * embedded store is one PGlite session shared by every client, where a named statement would collide.
 */
export class PlainReads {
  constructor(private readonly dataSource: DataSource) {}

  async rows<R extends Record<string, unknown>>(text: string, values: unknown[]): Promise<R[]> {
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    return (await pool.query<R>({ text, values })).rows;
  }

  async entities<T extends ObjectLiteral>(target: EntityTarget<T>, text: string, values: unknown[]): Promise<T[]> {
    const meta = this.dataSource.getMetadata(target);
    return (await this.rows(text, values)).map((row) => {
      const entity = meta.create() as T;
      for (const column of meta.columns) column.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
      return entity;
    });
  }
}
