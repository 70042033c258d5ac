import type { ConnectionRepository } from "../datasources/store/connection.repository";
import { SecretBox, SecretError } from "../datasources/secrets/secret-box";

export interface RotationReport {
  rows: number;
  rotated: number;
  current: number;
  /** Rows whose ciphertexts did not decrypt: left untouched, listed by id and field. */
  failed: { id: string; field: string; reason: string }[];
}

/** Re-encrypts every stored secret with the first key; one row per transaction, so a failure loses nothing. */
export class KeyRotationService {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly secrets: SecretBox,
  ) {}

  /** The key new secrets are encrypted with. */
  get currentKeyId(): string {
    return this.secrets.currentKeyId;
  }

  async rotateAll(): Promise<RotationReport> {
    const report: RotationReport = { rows: 0, rotated: 0, current: 0, failed: [] };
    for (const { id } of await this.connections.listAllIds()) {
      report.rows += 1;
      await this.connections.changeAny(id, (row) => {
        const next = { ...row.config };
        let changed = 0;
        for (const [field, value] of Object.entries(row.config)) {
          if (!SecretBox.isEncrypted(value)) continue;
          const ctx = { accountId: row.accountId, connectionId: row.id, field };
          try {
            if (!this.secrets.needsRotation(value)) {
              this.secrets.decrypt(value, ctx); // proves it is still readable
              report.current += 1;
              continue;
            }
            next[field] = this.secrets.rotate(value, ctx);
            changed += 1;
          } catch (error) {
            const reason = error instanceof SecretError ? error.reason : "error";
            report.failed.push({ id, field, reason });
          }
        }
        if (changed === 0) return false;
        row.config = next;
        report.rotated += changed;
        return true;
      });
    }
    return report;
  }

  /** The key ids stored secrets use now, with counts: an old key can be dropped once no secret uses it. */
  async keyUsage(): Promise<Map<string, number>> {
    const usage = new Map<string, number>();
    for (const row of await this.connections.listAllConfigs()) {
      for (const value of Object.values(row.config)) {
        if (!SecretBox.isEncrypted(value)) continue;
        const kid = this.secrets.keyIdOf(value);
        usage.set(kid, (usage.get(kid) ?? 0) + 1);
      }
    }
    return usage;
  }

  /**
   * For /readyz: decrypts the secrets of the `sample` most recently changed connections with the key ring in force,
   * and rejects, naming only counts and key ids, when any of them does not decrypt.
   */
  async checkSample(sample = 5): Promise<void> {
    let checked = 0;
    const failed: string[] = [];
    for (const row of await this.connections.listRecentWithSecrets(sample)) {
      for (const [field, value] of Object.entries(row.config)) {
        if (!SecretBox.isEncrypted(value)) continue;
        checked += 1;
        try {
          this.secrets.decrypt(value, { accountId: row.accountId, connectionId: row.id, field });
        } catch (error) {
          failed.push(error instanceof SecretError && error.reason === "unknown-key" ? `key '${this.secrets.keyIdOf(value)}' unknown` : "does not decrypt");
        }
      }
    }
    if (failed.length > 0) throw new Error(`${failed.length} of ${checked} sampled secrets unreadable with the key ring in force (${[...new Set(failed)].join(", ")})`);
  }
}
