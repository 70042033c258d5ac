import type { EngineRegistry } from "../datasources/engines/engine-registry";
import { CONNECTION_TYPES, findConnectionType, type ConnectionType } from "../datasources/sources/connection-types";
import { ConnectionConfig } from "../schema/connection-config.type";

/** Connection types as clients see them, with whether this deployment's engines can serve each. */
export class ConnectionConfigService {
  constructor(private readonly engines: EngineRegistry) {}

  list(): ConnectionConfig[] {
    return CONNECTION_TYPES.map((t) => this.toConnectionConfig(t));
  }

  get(idOrSlug: string): ConnectionConfig | null {
    const t = findConnectionType(idOrSlug);
    return t ? this.toConnectionConfig(t) : null;
  }

  private toConnectionConfig(t: ConnectionType): ConnectionConfig {
    const unavailableReason = this.engines.unavailableReason(t);
    return Object.assign(new ConnectionConfig(), {
      id: t.id,
      slug: t.slug,
      name: t.name,
      description: t.description,
      providerId: t.provider.id,
      providerSlug: t.provider.slug,
      fields: t.fields.map((f, i) => ({
        ...f,
        order: i + 1,
        options: f.options?.map((o) => ({ ...o })) ?? null,
        dependsOn: f.dependsOn ? { field: f.dependsOn.field, values: [...f.dependsOn.values] } : null,
      })),
      available: unavailableReason === null,
      unavailableReason,
    });
  }
}
