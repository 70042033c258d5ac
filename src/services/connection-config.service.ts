import { CONNECTION_TYPES, findConnectionType, type ConnectionType } from "../datasources/sources/connection-types";
import { ConnectionConfig } from "../schema/connection-config.type";

export function toConnectionConfig(t: ConnectionType): ConnectionConfig {
  return Object.assign(new ConnectionConfig(), {
    id: t.id,
    slug: t.slug,
    name: t.name,
    description: t.description,
    fields: t.fields.map((f) => ({ ...f })),
  });
}

export class ConnectionConfigService {
  list(): ConnectionConfig[] {
    return CONNECTION_TYPES.map(toConnectionConfig);
  }

  get(idOrSlug: string): ConnectionConfig | null {
    const t = findConnectionType(idOrSlug);
    return t ? toConnectionConfig(t) : null;
  }
}
