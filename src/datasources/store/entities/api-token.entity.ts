import { Column, CreateDateColumn, Entity, PrimaryColumn } from "typeorm";

export type Role = "admin" | "reader";

/** A token is stored as its SHA-256 only; the token itself is shown once, when it is created. */
@Entity({ name: "api_tokens" })
export class ApiTokenEntity {
  @PrimaryColumn("uuid") id: string;
  @Column({ name: "account_id", type: "uuid" }) accountId: string;
  @Column({ type: "text" }) role: Role;
  @Column({ name: "token_hash", type: "text" }) tokenHash: string;
  @Column({ type: "text", nullable: true }) name: string | null;
  @CreateDateColumn({ type: "timestamptz" }) created: Date;
  @Column({ name: "revoked", type: "timestamptz", nullable: true }) revoked: Date | null;
  /** Past it the token is refused as if revoked; null: it never expires. */
  @Column({ type: "timestamptz", nullable: true }) expires: Date | null;
}
