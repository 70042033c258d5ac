import { Arg, Authorized, Ctx, Directive, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { Connection } from "../schema/connection.type";
import { SCAN_LIMIT } from "../schema/rate-limit.directive";
import { Table, TablePage } from "../schema/table.type";
import { SchemaService } from "../services/schema.service";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

/** The external schema behind a connection: its tables (cached 30 minutes) and one table's columns. */
@Resolver(() => Connection)
export class ConnectionSchemaResolver {
  constructor(private readonly schemas: SchemaService) {}

  @Authorized()
  @Directive(SCAN_LIMIT)
  @FieldResolver(() => TablePage, {
    // Nullable: a source that cannot be listed costs this one field, never the connection or the list around it.
    nullable: true,
    description:
      "Tables of the source, by fully qualified name; search matches within names. With refresh, counts against the connection's rate limit. Null, with an error, when the source cannot be listed.",
  })
  tables(
    @Root() connection: Connection,
    @Ctx() ctx: GatewayContext,
    @Arg("search", () => String, { nullable: true }) search?: string | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("refresh", () => Boolean, { nullable: true, description: "Bypass the cache." }) refresh?: boolean | null,
  ) {
    return this.schemas.tables(principalOf(ctx), connection, { search, first, after, refresh });
  }

  @Authorized()
  @Directive(SCAN_LIMIT)
  @FieldResolver(() => Table, { nullable: true, description: "One table with its columns; null when it does not exist." })
  table(@Root() connection: Connection, @Ctx() ctx: GatewayContext, @Arg("name") name: string) {
    return this.schemas.table(principalOf(ctx), connection, name);
  }
}
