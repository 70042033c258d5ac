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
