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
