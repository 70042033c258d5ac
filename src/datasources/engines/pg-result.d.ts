// node-postgres's row parser, which pg-cursor also uses; the package ships no types for this internal module.
declare module "pg/lib/result.js" {
  import type { FieldDef } from "pg";
  export default class Result {
    constructor(rowMode?: "array", types?: unknown);
    fields: FieldDef[];
    addFields(fields: FieldDef[]): void;
    parseRow(values: unknown[]): unknown;
  }
}
