/** GraphQL results → the Lytics-style snake_case shapes of API.md, field by field. */
type Json = Record<string, unknown>;

export function restConnection(c: Json): Json {
  const e = (c.embedding ?? {}) as Json;
  return {
    id: c.id,
    account_id: c.accountId,
    label: c.label,
    description: c.description,
    connection_config_id: c.connectionConfigId,
    connection_config_slug: c.connectionConfigSlug,
    // Config keys are the connection type's own field names: passed through, not re-cased.
    config: c.config,
    created: c.created,
    updated: c.updated,
    deleted: c.deleted,
    author_id: c.authorId,
    updated_by_user_id: c.updatedByUserId,
    embedding_status: {
      state: e.state,
      progress: e.progress,
      table_count: e.tableCount,
      model: e.model,
      error: e.error,
      updated_at: e.updatedAt,
    },
  };
}

export function restConnectionConfig(c: Json): Json {
  return { id: c.id, slug: c.slug, name: c.name, description: c.description, fields: c.fields };
}

const restColumns = (columns: Json[]) => columns.map((c) => ({ column_name: c.name, column_datatype: c.dataType }));

export function restScan(r: Json): Json {
  return { columns: restColumns(r.columns as Json[]), row_count: r.rowCount, rows: r.rows, truncated: r.truncated };
}

export function restTables(connection: Json): Json[] {
  const page = connection.tables as { tables: Json[] };
  return page.tables.map((t) => ({ table_name: t.name, fully_qualified_name: t.fullyQualifiedName, num_columns: t.numColumns, error: t.error }));
}

export function restTableColumns(connection: Json): Json[] {
  return restColumns((connection.table as { columns: Json[] }).columns);
}

export function restMatches(matches: Json[]): Json[] {
  return matches.map((m) => {
    const table = m.table as { name: string; columns: Json[] };
    return { table_name: table.name, fully_qualified_name: m.fullyQualifiedName, score: m.score, columns: restColumns(table.columns) };
  });
}
