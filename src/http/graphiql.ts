import { renderGraphiQL } from "@graphql-yoga/render-graphiql";

const FIRST_QUERY = `# Welcome to the connections gateway.
# 1. Put your API token in the Headers tab below: {"Authorization": "<token>"}
# 2. Run this query (Ctrl-Enter) to see the kinds of database you can connect.
query ConnectionTypes {
  connectionConfigs {
    slug
    name
    fields { name type required secret default }
  }
}

# Then list your connections:
# query { connections { id label connectionConfigSlug config embedding { state } } }
`;

/**
 * GraphiQL as one self-contained page (scripts, styles and workers inlined; no CDN), rendered once at start:
 * it is about 9 MB, so it is built once and served from memory. The header editor starts with a placeholder
 * for the token; nothing secret is ever inlined into the page.
 */
export function renderGraphiQLPage(): string {
  return renderGraphiQL({
    endpoint: "/graphql",
    title: "Connections gateway",
    defaultQuery: FIRST_QUERY,
    headers: JSON.stringify({ Authorization: "paste your API token here" }, null, 2),
    shouldPersistHeaders: true,
  });
}
