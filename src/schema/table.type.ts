import { PageInfo } from "./page-info.type";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { Column } from "./scan.type";

@ObjectType()
export class Table {
  @Field() name: string;
  @Field() fullyQualifiedName: string;
  @Field(() => String, { nullable: true, description: "The source's comment on the table." }) comment?: string | null;
  @Field(() => String, { nullable: true, description: "table, view, materialized view, foreign table or sequence, as the source classes it." }) kind?: string | null;
  @Field(() => Float, { nullable: true, description: "The source's own estimate of its rows (planner statistics, not a count); null when it has none." })
  estimatedRows?: number | null;
  @Field(() => Int, { nullable: true }) numColumns: number | null;
  @Field(() => String, { nullable: true }) error: string | null;
  @Field(() => [Column]) columns: Column[];
}

@ObjectType({ description: "One page of a connection's tables, ordered by fully qualified name." })
export class TablePage {
  @Field(() => [Table]) tables: Table[];
  @Field(() => Int, { description: "Tables matching the search, on every page." }) totalCount: number;
  @Field(() => String, { nullable: true, description: "Pass as `after` for the next page." }) endCursor: string | null;
  @Field() hasNextPage: boolean;
  @Field(() => PageInfo, { description: "hasNextPage and endCursor, in the shape every paged field has." }) pageInfo: PageInfo;
}

@ObjectType({ description: "A table ranked by how close its schema is in meaning to a question." })
export class TableMatch {
  @Field(() => Table) table: Table;
  @Field() fullyQualifiedName: string;
  @Field(() => Float, { description: "Cosine similarity, -1 to 1." }) score: number;
}
