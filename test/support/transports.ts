import type { TestGateway } from "./gateway";

/** One outcome shape for both paths, so the same table of cases runs through GraphQL and through /v2. */
export type Outcome = { ok: true; status: number; data: any } | { ok: false; status: number; code: string; message: string; body: any };

export interface ConnectionInput {
  label?: unknown;
  description?: unknown;
  connectionConfigId?: unknown;
  connectionConfigSlug?: unknown;
  config?: unknown;
  [other: string]: unknown;
}

export interface Transport {
  name: "graphql" | "rest";
  list(token?: string, accountId?: string): Promise<Outcome>;
  get(token: string | undefined, id: string, accountId?: string): Promise<Outcome>;
  create(token: string | undefined, input: ConnectionInput, accountId?: string): Promise<Outcome>;
  update(token: string | undefined, id: string, input: ConnectionInput, accountId?: string): Promise<Outcome>;
  remove(token: string | undefined, id: string, accountId?: string): Promise<Outcome>;
  getConfig(token: string | undefined, idOrSlug: string): Promise<Outcome>;
}

const FIELDS = `id accountId aid label description connectionConfigId connectionConfigSlug providerId providerSlug config authIds created updated deleted
  authorId updatedByUserId embedding { state progress tableCount model error updatedAt }`;

export function graphqlTransport(gw: TestGateway): Transport {
  const run = async (query: string, variables: Record<string, unknown>, token?: string): Promise<Outcome> => {
    const res = await gw.gql(query, variables, token);
    const error = res.body?.errors?.[0];
    if (error) return { ok: false, status: res.status, code: error.extensions?.code, message: error.message, body: res.body };
    const data = res.body.data.result;
    // The contract answers a missing connection with null; the table speaks of it as NOT_FOUND.
    if (data === null) return { ok: false, status: res.status, code: "NOT_FOUND", message: "null", body: res.body };
    return { ok: true, status: res.status, data };
  };
  return {
    name: "graphql",
    list: (token, accountId) => run(`query($a: ID) { result: connections(accountId: $a) { ${FIELDS} } }`, { a: accountId }, token),
    get: (token, id, accountId) => run(`query($id: ID!, $a: ID) { result: connection(id: $id, accountId: $a) { ${FIELDS} } }`, { id, a: accountId }, token),
    create: (token, input, accountId) =>
      run(`mutation($i: CreateConnectionInput!, $a: ID) { result: createConnection(input: $i, accountId: $a) { ${FIELDS} } }`, { i: input, a: accountId }, token),
    update: (token, id, input, accountId) =>
      run(
        `mutation($id: ID!, $i: UpdateConnectionInput!, $a: ID) { result: updateConnection(id: $id, input: $i, accountId: $a) { ${FIELDS} } }`,
        { id, i: input, a: accountId },
        token,
      ),
    remove: (token, id, accountId) => run(`mutation($id: ID!, $a: ID) { result: deleteConnection(id: $id, accountId: $a) { ${FIELDS} } }`, { id, a: accountId }, token),
    getConfig: (token, idOrSlug) =>
      run(
        `query($s: String!) { result: connectionConfig(idOrSlug: $s) { id slug name description providerId providerSlug
          fields { name label type required secret default description placeholder group order minimum maximum maxLength pattern options { value label } dependsOn { field values } } } }`,
        { s: idOrSlug },
        token,
      ),
  };
}

const SNAKE: Record<string, string> = {
  connectionConfigId: "connection_config_id",
  connectionConfigSlug: "connection_config_slug",
  authIds: "auth_ids",
  providerId: "provider_id",
  providerSlug: "provider_slug",
};

/** REST answers → the GraphQL field names, so assertions are written once. */
function fromRest(c: any): any {
  if (Array.isArray(c)) return c.map(fromRest);
  if (c && typeof c === "object" && "fields" in c) {
    const { provider_id, provider_slug, unavailable_reason, ...type } = c;
    return {
      ...type,
      providerId: provider_id,
      providerSlug: provider_slug,
      unavailableReason: unavailable_reason,
      fields: c.fields.map(({ max_length, depends_on, ...f }: any) => ({ ...f, maxLength: max_length, dependsOn: depends_on })),
    };
  }
  if (!c || typeof c !== "object" || !("account_id" in c)) return c;
  const e = c.embedding_status ?? {};
  return {
    id: c.id,
    accountId: c.account_id,
    aid: c.aid,
    label: c.label,
    description: c.description,
    connectionConfigId: c.connection_config_id,
    connectionConfigSlug: c.connection_config_slug,
    providerId: c.provider_id,
    providerSlug: c.provider_slug,
    config: c.config,
    authIds: c.auth_ids,
    created: c.created,
    updated: c.updated,
    deleted: c.deleted,
    authorId: c.author_id,
    updatedByUserId: c.updated_by_user_id,
    embedding: { state: e.state, progress: e.progress, tableCount: e.table_count, model: e.model, error: e.error, updatedAt: e.updated_at },
  };
}

export function restTransport(gw: TestGateway): Transport {
  const run = async (method: string, path: string, token?: string, body?: unknown): Promise<Outcome> => {
    const res = await gw.http(method, path, { token, body });
    if (res.status >= 400) {
      if (res.status === 401) return { ok: false, status: 401, code: "UNAUTHENTICATED", message: res.body?.message, body: res.body };
      const error = res.body?.errors?.[0];
      return { ok: false, status: res.status, code: error?.code, message: error?.message, body: res.body };
    }
    return { ok: true, status: res.status, data: fromRest(res.body.data) };
  };
  const q = (accountId?: string) => (accountId ? `?account_id=${encodeURIComponent(accountId)}` : "");
  const toBody = (input: ConnectionInput) => Object.fromEntries(Object.entries(input).map(([k, v]) => [SNAKE[k] ?? k, v]));
  return {
    name: "rest",
    list: (token, accountId) => run("GET", `/v2/connection${q(accountId)}`, token),
    get: (token, id, accountId) => run("GET", `/v2/connection/${encodeURIComponent(id)}${q(accountId)}`, token),
    create: (token, input, accountId) => run("POST", `/v2/connection${q(accountId)}`, token, toBody(input)),
    update: (token, id, input, accountId) => run("PUT", `/v2/connection/${encodeURIComponent(id)}${q(accountId)}`, token, toBody(input)),
    remove: (token, id, accountId) => run("DELETE", `/v2/connection/${encodeURIComponent(id)}${q(accountId)}`, token),
    getConfig: (token, idOrSlug) => run("GET", `/v2/connectionconfig/${encodeURIComponent(idOrSlug)}`, token),
  };
}
