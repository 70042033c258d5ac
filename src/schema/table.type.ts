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

@ObjectType({ description: "A table ranked by how well its schema answers a question, and why." })
export class TableMatch {
  @Field(() => Table) table: Table;
  @Field() fullyQualifiedName: string;
  @Field(() => Float, {
    description:
      "Relevance from 0 to 1: the reciprocal-rank fusion of the rankings search combines (the embedder's, the sentence model's, BM25's) over the most a table could get, 1 meaning first in every one. Compare scores within one answer, not across questions.",
  })
  score: number;
  @Field(() => [String], {
    description: "Columns that made the match: those closer in meaning to the question than the table as a whole, then those holding the most of `matchedWords` (at most 5).",
  })
  matchedColumns: string[];
  @Field(() => [String], { description: "Words of the question (as search reads them: singular, lower case, stop words left out) found in the table's name, comment or columns." })
  matchedWords: string[];
}
