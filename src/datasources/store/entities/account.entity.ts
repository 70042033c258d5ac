import { Column, CreateDateColumn, Entity, PrimaryColumn } from "typeorm";

@Entity({ name: "accounts" })
export class AccountEntity {
  @PrimaryColumn("uuid") id: string;
  @Column({ type: "text" }) name: string;
  /** The account's number (Lytics' `aid`), given by the store in creation order. */
  @Column({ type: "integer", insert: false, update: false }) aid: number;
  @CreateDateColumn({ type: "timestamptz" }) created: Date;
}
