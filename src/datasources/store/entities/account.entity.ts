import { Column, CreateDateColumn, Entity, PrimaryColumn } from "typeorm";

@Entity({ name: "accounts" })
export class AccountEntity {
  @PrimaryColumn("uuid") id: string;
  @Column({ type: "text" }) name: string;
  @CreateDateColumn({ type: "timestamptz" }) created: Date;
}
