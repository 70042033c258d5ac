/** The GraphQL documents the /v2 shim runs: REST is only a reshaping of these, never a second code path. */
const CONNECTION_FIELDS = `
  id accountId label description connectionConfigId connectionConfigSlug config
  created updated deleted authorId updatedByUserId
  embedding { state progress tableCount model error updatedAt }`;

const CONFIG_FIELDS = `id slug name description fields { name label type required secret default description }`;

export const Operations = {
  listConnections: `query ListConnections { result: connections { ${CONNECTION_FIELDS} } }`,
  getConnection: `query GetConnection($id: ID!) { result: connection(id: $id) { ${CONNECTION_FIELDS} } }`,
  createConnection: `mutation CreateConnection($input: CreateConnectionInput!) {
    result: createConnection(input: $input) { ${CONNECTION_FIELDS} } }`,
  updateConnection: `mutation UpdateConnection($id: ID!, $input: UpdateConnectionInput!) {
    result: updateConnection(id: $id, input: $input) { ${CONNECTION_FIELDS} } }`,
  deleteConnection: `mutation DeleteConnection($id: ID!) {
    result: deleteConnection(id: $id) { ${CONNECTION_FIELDS} } }`,
  listConnectionConfigs: `query ListConnectionConfigs { result: connectionConfigs { ${CONFIG_FIELDS} } }`,
  getConnectionConfig: `query GetConnectionConfig($idOrSlug: String!) { result: connectionConfig(idOrSlug: $idOrSlug) { ${CONFIG_FIELDS} } }`,
  scan: `query Scan($id: ID!, $query: String!, $limit: Int, $primaryKeys: [String!]) {
    result: scan(connectionId: $id, query: $query, limit: $limit, primaryKeys: $primaryKeys) {
      columns { name dataType } rows rowCount truncated } }`,
  listTables: `query ListTables($id: ID!, $refresh: Boolean) {
    result: connection(id: $id) { tables(refresh: $refresh) { tables { name fullyQualifiedName numColumns error } } } }`,
  describeTable: `query DescribeTable($id: ID!, $name: String!) {
    result: connection(id: $id) { table(name: $name) { columns { name dataType } } } }`,
  refreshSchema: `mutation RefreshSchema($id: ID!) { result: refreshConnectionSchema(id: $id) { ${CONNECTION_FIELDS} } }`,
  searchSchema: `query SearchSchema($id: ID!, $text: String!, $k: Int) {
    result: searchSchema(connectionId: $id, text: $text, k: $k) { fullyQualifiedName score table { name columns { name dataType } } } }`,
} as const;
