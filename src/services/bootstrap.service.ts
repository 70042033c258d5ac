import type { AccountRepository } from "../datasources/store/account.repository";
import type { ConnectionRepository } from "../datasources/store/connection.repository";
import { issueToken } from "./auth.service";
import type { ConnectionService } from "./connection.service";

/** Fixed, so every start finds the demo connection it made (and never re-creates one a user deleted). */
export const DEMO_CONNECTION_ID = "00000000-0000-4000-8000-00000000c41c";

export interface DefaultAccount {
  accountId: string;
  /** Set only on the start that created the account: the admin token, shown this once. */
  adminToken: { id: string; token: string } | null;
}

/** First-start work: the default account with an admin token, and the demo connection. Safe to run on every start. */
export class BootstrapService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly connections: ConnectionService,
    private readonly connectionRows: ConnectionRepository,
  ) {}

  async ensureDefaultAccount(): Promise<DefaultAccount> {
    let issued: ReturnType<typeof issueToken> | null = null;
    const { accountId, created } = await this.accounts.firstAccount("default", (id) => {
      issued = issueToken(id, "admin", "first-start admin");
      return issued.row;
    });
    const token = created ? (issued as ReturnType<typeof issueToken> | null) : null;
    return { accountId, adminToken: token ? { id: token.row.id, token: token.token } : null };
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
