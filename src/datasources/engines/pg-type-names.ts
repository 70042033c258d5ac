/**
 * PostgreSQL's own names for a result column's type, as `format_type(oid, typmod)` spells them, so a scan and the
 * schema routes (which ask the source for format_type) use one vocabulary: `character varying(20)`, `numeric(10,2)`,
 * `timestamp(3) with time zone`, `integer[]`. Built-in types are named here; anything else (enums, domains,
 * extension types, unusual modifiers) is asked of the source once per connection (PostgresEngine).
 */

/** Built-in type oid → [format_type name, oid of its array type]: the types node-postgres knows by name. */
const BUILTINS: Record<number, readonly [string, number]> = {
  16: ["boolean", 1000],
  17: ["bytea", 1001],
  18: ['"char"', 1002],
  20: ["bigint", 1016],
  21: ["smallint", 1005],
  23: ["integer", 1007],
  24: ["regproc", 1008],
  25: ["text", 1009],
  26: ["oid", 1028],
  27: ["tid", 1010],
  28: ["xid", 1011],
  29: ["cid", 1012],
  114: ["json", 199],
  142: ["xml", 143],
  600: ["point", 1017],
  601: ["lseg", 1018],
  602: ["path", 1019],
  603: ["box", 1020],
  604: ["polygon", 1027],
  628: ["line", 629],
  650: ["cidr", 651],
  700: ["real", 1021],
  701: ["double precision", 1022],
  718: ["circle", 719],
  774: ["macaddr8", 775],
  790: ["money", 791],
  829: ["macaddr", 1040],
  869: ["inet", 1041],
  1042: ["character", 1014],
  1043: ["character varying", 1015],
  1082: ["date", 1182],
  1083: ["time without time zone", 1183],
  1114: ["timestamp without time zone", 1115],
  1184: ["timestamp with time zone", 1185],
  1186: ["interval", 1187],
  1266: ["time with time zone", 1270],
  1560: ["bit", 1561],
  1562: ["bit varying", 1563],
  1700: ["numeric", 1231],
  1790: ["refcursor", 2201],
  2205: ["regclass", 2210],
  2206: ["regtype", 2211],
  2950: ["uuid", 2951],
  3220: ["pg_lsn", 3221],
  3614: ["tsvector", 3643],
  3615: ["tsquery", 3645],
  3802: ["jsonb", 3807],
  3904: ["int4range", 3905],
  3906: ["numrange", 3907],
  3908: ["tsrange", 3909],
  3910: ["tstzrange", 3911],
  3912: ["daterange", 3913],
  3926: ["int8range", 3927],
};
const ELEMENT_OF: Record<number, number> = Object.fromEntries(Object.entries(BUILTINS).map(([oid, [, array]]) => [array, Number(oid)]));

const LENGTH = new Set([1042, 1043, 1560, 1562]);
const PRECISION: Record<number, (p: string) => string> = {
  1083: (p) => `time${p} without time zone`,
  1266: (p) => `time${p} with time zone`,
  1114: (p) => `timestamp${p} without time zone`,
  1184: (p) => `timestamp${p} with time zone`,
};

/** The name of a built-in type with its modifier, or null when only the source can name it. */
function scalarName(oid: number, typmod: number): string | null {
  const known = BUILTINS[oid];
  if (!known) return null;
  // Without a length, character is spelled by its internal name (format_type(1042, -1) is bpchar).
  if (typmod < 0) return oid === 1042 ? "bpchar" : known[0];
  if (LENGTH.has(oid)) return `${known[0]}(${oid === 1560 || oid === 1562 ? typmod : typmod - 4})`;
  if (oid === 1700) {
    const m = typmod - 4;
    return `numeric(${(m >> 16) & 0xffff},${m & 0xffff})`;
  }
  return PRECISION[oid]?.(`(${typmod})`) ?? null;
}

/** format_type(oid, typmod) for built-in types and their arrays; null when the source must be asked. */
export function pgTypeName(oid: number, typmod = -1): string | null {
  const element = ELEMENT_OF[oid];
  if (element !== undefined) {
    const name = scalarName(element, typmod);
    return name === null ? null : `${name}[]`;
  }
  return scalarName(oid, typmod);
}
