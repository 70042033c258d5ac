import type { DataSource } from "typeorm";
import type { ConnectionRepository } from "../datasources/store/connection.repository";
import { AccountEntity } from "../datasources/store/entities/account.entity";
import type { AccountService } from "./account.service";
import type { AuthService } from "./auth.service";
import type { ConnectionService } from "./connection.service";

/** Fixed, so every start finds the demo connection it made (and never re-creates one a user deleted). */
export const DEMO_CONNECTION_ID = "00000000-0000-4000-8000-00000000c41c";
const BOOTSTRAP_LOCK = 7_310_001;

export interface DefaultAccount {
  accountId: string;
  /** Set only on the start that created the account: the admin token, shown this once. */
  adminToken: { id: string; token: string } | null;
}

/** First-start work: the default account with an admin token, and the demo connection. Safe to run on every start. */
export class BootstrapService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountService,
    private readonly auth: AuthService,
    private readonly connections: ConnectionService,
    private readonly connectionRows: ConnectionRepository,
  ) {}

  ensureDefaultAccount(): Promise<DefaultAccount> {
    return this.dataSource.transaction(async (manager) => {
      // Two instances starting together on an empty database must not both create a default account.
      await manager.query("SELECT pg_advisory_xact_lock($1)", [BOOTSTRAP_LOCK]);
      const oldest = await manager.getRepository(AccountEntity).find({ order: { created: "ASC" }, take: 1 });
      if (oldest.length > 0) return { accountId: oldest[0].id, adminToken: null };
      const account = await this.accounts.create("default", manager);
      const adminToken = await this.auth.createToken(account.id, "admin", "first-start admin", manager);
      return { accountId: account.id, adminToken };
    });
  }

  /** Creates the demo connection once; afterwards keeps its port in step with where the demo database listens. */
  async ensureDemoConnection(accountId: string, endpoint: { host: string; port: number }): Promise<void> {
    const existing = await this.connectionRows.findAnyById(DEMO_CONNECTION_ID);
    if (existing) {
      if (!existing.deleted && existing.config.port !== endpoint.port) {
        existing.config = { ...existing.config, host: endpoint.host, port: endpoint.port };
        existing.configVersion += 1;
        existing.updated = new Date();
        await this.connectionRows.save(existing);
      }
      return;
    }
    await this.connections.create(
      { tokenId: "00000000-0000-4000-8000-000000000000", accountId, role: "admin" },
      {
        label: "Chinook demo (embedded PostgreSQL)",
        description: "The Chinook sample database (MIT licence), served by an embedded PGlite next to the gateway.",
        connectionConfigSlug: "postgres",
        config: { host: endpoint.host, port: endpoint.port, database: "postgres", user: "postgres" },
      },
      { id: DEMO_CONNECTION_ID },
    );
  }
}
