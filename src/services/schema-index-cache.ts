import type { SchemaIndex } from "./schema-ranker";

interface Entry {
  /** Changes whenever the connection's stored vectors may have (its embedding status's time and model). */
  version: string;
  /** 0 while the build runs: such an entry holds nothing yet and is never evicted. */
  bytes: number;
  index: Promise<SchemaIndex>;
}

/**
 * The search index of each recently searched connection (vectors unpacked, BM25 built), so a question costs a
 * ranking, not a read and parse of every row. An entry is used only while its version matches the connection's;
 * the least recently used go first past maxBytes, and an index larger than that is built per question, never kept.
 */
export class SchemaIndexCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  async get(connectionId: string, version: string, build: () => Promise<{ index: SchemaIndex; bytes: number }>): Promise<SchemaIndex> {
    const hit = this.entries.get(connectionId);
    if (hit && hit.version === version) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.entries.delete(connectionId);
      this.entries.set(connectionId, hit);
      return hit.index;
    }
    if (hit) this.drop(connectionId);
    const built = build();
    // Concurrent questions share one build; a failed build is not kept.
    const entry: Entry = { version, bytes: 0, index: built.then((b) => b.index) };
    // The failure reaches this caller through `built`, and concurrent callers through their own await.
    entry.index.catch(() => undefined);
    this.entries.set(connectionId, entry);
    try {
      const { bytes } = await built;
      if (this.entries.get(connectionId) === entry) {
        if (bytes > this.maxBytes) this.entries.delete(connectionId);
        else {
          entry.bytes = bytes;
          this.bytes += bytes;
          this.evict();
        }
      }
    } catch (error) {
      if (this.entries.get(connectionId) === entry) this.entries.delete(connectionId);
      throw error;
    }
    return entry.index;
  }

  drop(connectionId: string): void {
    const hit = this.entries.get(connectionId);
    if (!hit) return;
    this.bytes -= hit.bytes;
    this.entries.delete(connectionId);
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      if (entry.bytes > 0) this.drop(id);
    }
  }
}
