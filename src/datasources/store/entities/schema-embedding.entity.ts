import { Column, Entity, PrimaryColumn } from "typeorm";

/** One table of a connection's source: its columns, the hash of the document embedded, and the vector. */
@Entity({ name: "schema_embeddings" })
export class SchemaEmbeddingEntity {
  @PrimaryColumn({ name: "connection_id", type: "uuid" }) connectionId: string;
  @PrimaryColumn({ name: "fully_qualified_name", type: "text" }) fullyQualifiedName: string;
  @Column({ name: "table_name", type: "text" }) tableName: string;
  @Column({ type: "text", nullable: true }) comment: string | null;
  @Column({ type: "jsonb" }) columns: { name: string; dataType: string; comment?: string | null; primaryKey?: number | null }[];
  @Column({ name: "document_hash", type: "text" }) documentHash: string;
  @Column({ type: "text" }) model: string;
  /** What search keeps of the table: packed by datasources/embedders/table-vectors.ts. */
  @Column({ type: "bytea" }) vector: Buffer;
  @Column({ type: "timestamptz" }) updated: Date;
}
