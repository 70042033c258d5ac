/** What every pair reads of the loaded dataset, named once: the PostgreSQL database reads the same directly and through Trino. */
export const FIRST_ALBUM = { id: 1, title: "For Those About To Rock We Salute You" };

export const POSTGRES_CHINOOK = {
  tables: { album: "public.album", bigTable: "public.big_table", columnsOfAlbum: ["album_id", "title", "artist_id"] },
  sql: {
    firstAlbums: "SELECT album_id AS id, title FROM album ORDER BY album_id LIMIT 3",
    bigTable: "SELECT * FROM big_table",
    bigNumbers: "SELECT n FROM big_numbers ORDER BY id",
  },
};

/** gw_types on PostgreSQL, read directly: format_type names, and what pg_catalog says of each column. */
export const POSTGRES_CATALOGUE = {
  table: "public.gw_types",
  view: "public.slow_3",
  columns: {
    region: { dataType: "character varying(8)", nullable: false, primaryKey: 2, default: null },
    id: { dataType: "integer", nullable: false, primaryKey: 1 },
    price: { dataType: "numeric(10,2)", nullable: true, primaryKey: null, default: "0", comment: "Price in euros" },
    tags: { dataType: "character varying(20)[]" },
    scores: { dataType: "integer[]" },
    seen: { dataType: "timestamp(3) with time zone", default: "now()" },
    code: { dataType: "character(3)" },
    feeling: { dataType: "mood" },
    doc: { dataType: "jsonb", comment: null },
  },
  tableMeta: { comment: "Every kind of column", kind: "table", estimatedRows: 2 },
};
