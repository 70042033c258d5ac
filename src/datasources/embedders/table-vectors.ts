/**
 * What the search keeps of one table, packed into the `vector` column of schema_embeddings:
 *  - the primary embedder's vector of the table document (float32);
 *  - when the sentence model ran: its vector of the document and one per column (the first MAX_COLUMN_VECTORS),
 *    each int8 with its own scale: 5,000 tables of 10 columns hold ~21 MB of them, not ~84 MB as float32 (plus
 *    ~7.7 MB of primary vectors).
 * Layout (little-endian): u16 version, u16 primary dims, u16 sentence dims (0: none), u16 column vectors,
 * primary float32s, then per sentence vector a float32 scale and its int8s (the document's first).
 */
export interface TableVectors {
  primary: Float32Array;
  sentence: QuantisedVector | null;
  columns: QuantisedVector[];
}

export interface QuantisedVector {
  scale: number;
  values: Int8Array;
}

const VERSION = 1;
/** Wider tables keep column vectors for their first columns only: the row stays bounded. */
export const MAX_COLUMN_VECTORS = 200;

export function quantise(v: Float32Array): QuantisedVector {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  const scale = max / 127 || 1;
  const values = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) values[i] = Math.round(v[i] / scale);
  return { scale, values };
}

/** Dot product of a float vector with a quantised one (the cosine, both being unit length). */
export function dotQuantised(q: Float32Array, v: QuantisedVector): number {
  // Four lanes at a time, like embedder.ts's dot (kept apart: one function for both element types runs slower).
  const x = v.values;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < x.length; i += 4) {
    s0 += q[i] * x[i];
    s1 += q[i + 1] * x[i + 1];
    s2 += q[i + 2] * x[i + 2];
    s3 += q[i + 3] * x[i + 3];
  }
  for (; i < x.length; i++) s0 += q[i] * x[i];
  return (s0 + s1 + s2 + s3) * v.scale;
}

export function packTableVectors(t: TableVectors): Buffer {
  const dims = t.sentence?.values.length ?? 0;
  const columns = dims ? t.columns.slice(0, MAX_COLUMN_VECTORS) : [];
  const buf = Buffer.alloc(8 + t.primary.length * 4 + (dims ? (1 + columns.length) * (4 + dims) : 0));
  buf.writeUInt16LE(VERSION, 0);
  buf.writeUInt16LE(t.primary.length, 2);
  buf.writeUInt16LE(dims, 4);
  buf.writeUInt16LE(columns.length, 6);
  let o = 8;
  for (const x of t.primary) o = buf.writeFloatLE(x, o);
  for (const v of t.sentence ? [t.sentence, ...columns] : []) {
    if (v.values.length !== dims) throw new Error("packTableVectors: sentence vectors differ in length");
    o = buf.writeFloatLE(v.scale, o);
    buf.set(new Uint8Array(v.values.buffer, v.values.byteOffset, dims), o);
    o += dims;
  }
  return buf;
}

export function unpackTableVectors(buf: Buffer): TableVectors {
  if (buf.length < 8 || buf.readUInt16LE(0) !== VERSION) throw new Error("schema vector row: unknown layout");
  const [primaryDims, dims, columnCount] = [2, 4, 6].map((o) => buf.readUInt16LE(o));
  const expected = 8 + primaryDims * 4 + (dims ? (1 + columnCount) * (4 + dims) : 0);
  if (buf.length !== expected) throw new Error("schema vector row: truncated or malformed");
  const primary = new Float32Array(primaryDims);
  let o = 8;
  for (let i = 0; i < primaryDims; i++, o += 4) primary[i] = buf.readFloatLE(o);
  const quantised: QuantisedVector[] = [];
  for (let k = 0; dims && k <= columnCount; k++) {
    const scale = buf.readFloatLE(o);
    // A copy: the row's buffer may be a slice of a larger one the driver reuses.
    quantised.push({ scale, values: Int8Array.from(buf.subarray(o + 4, o + 4 + dims), (b) => (b << 24) >> 24) });
    o += 4 + dims;
  }
  return { primary, sentence: quantised[0] ?? null, columns: quantised.slice(1) };
}
