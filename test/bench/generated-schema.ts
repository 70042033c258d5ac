import type { TableForEmbedding } from "../../src/datasources/embedders/schema-document";

/** A deterministic pseudo-random schema: business words, run-together and snake_case names, some comments. */
export function generatedSchema(count: number, seed = 42): TableForEmbedding[] {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const nouns = (
    "account address agent album allocation approval asset audit balance batch bill booking branch budget campaign " +
    "carrier cart category channel charge claim client commission company contact contract cost country coupon " +
    "currency customer delivery department deposit device discount document driver employee event expense feedback " +
    "fee file forecast fulfillment grant group holiday incident inventory invoice item journal ledger lead license " +
    "location login manufacturer margin member message milestone order organization package partner payment payroll " +
    "permission photo plan policy portfolio position price product project promotion purchase quota rate receipt " +
    "refund region release rental report request reservation return review reward risk role route salary sale " +
    "schedule segment session shipment shift skill sku station status stock store subscription supplier survey " +
    "task tax team template territory ticket timesheet token track training transaction transfer trip unit user " +
    "vehicle vendor visit voucher warehouse warranty workflow"
  ).split(" ");
  const attributes = "name code type status date amount total quantity description note created updated start end rate level number flag url email phone score weight".split(" ");
  const style = [(ws: string[]) => ws.join("_"), (ws: string[]) => ws.join(""), (ws: string[]) => ws.map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w)).join("")];
  const tables: TableForEmbedding[] = [];
  for (let i = 0; i < count; i++) {
    const join = pick(style);
    const words = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(nouns));
    const columns = [{ name: join([...words, "id"]), dataType: "bigint", comment: null as string | null }];
    for (let c = 0, n = 4 + Math.floor(rand() * 20); c < n; c++) {
      const col = rand() < 0.4 ? [pick(nouns), "id"] : rand() < 0.5 ? [pick(attributes)] : [pick(nouns), pick(attributes)];
      columns.push({
        name: join(col),
        dataType: pick(["text", "integer", "numeric", "timestamp", "boolean"]),
        comment: rand() < 0.3 ? `The ${col.join(" ")} of the ${words.join(" ")}.` : null,
      });
    }
    const comment = rand() < 0.5 ? `${pick(["Records", "Stores", "Tracks", "Lists"])} each ${words.join(" ")} by ${pick(nouns)}.` : null;
    tables.push({ schema: pick(["public", "sales", "ops", "finance", "hr"]), name: `${join(words)}_${i}`, comment, columns });
  }
  return tables;
}
