/** Turns texts into fixed-length vectors for semantic search (schema documents and questions alike). */
export interface Embedder {
  /** Algorithm, version and vector file: a new value means stored embeddings are stale and must be redone. */
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, in order, each `dimensions` long. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Cosine similarity; 0 when either vector is all zeros. Vectors must have the same length. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`cosine: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
