import { Field, Int, ObjectType } from "type-graphql";
import { JSONScalar } from "./scalars";

@ObjectType({ description: "A column: of a scan's result (name and type only) or of a table (with what the source's catalogue says)." })
export class Column {
  @Field() name: string;
  @Field({ description: "The source's own type name with lengths and array types (format_type, column_type, Trino's type)." }) dataType: string;
  @Field(() => Boolean, { nullable: true, description: "Whether the column admits NULL; null when not known (a scan's columns)." }) nullable?: boolean | null;
  @Field(() => Int, { nullable: true, description: "1-based position in the table's primary key; null when not part of one." }) primaryKey?: number | null;
  @Field(() => String, { nullable: true, description: "The default, as the source spells the expression." }) default?: string | null;
  @Field(() => String, { nullable: true, description: "The source's comment on the column." }) comment?: string | null;
}

@ObjectType({ description: "The first rows of a read-only query." })
export class ScanResult {
  @Field(() => [Column]) columns: Column[];
  @Field(() => [JSONScalar], { description: "Objects keyed by column name; BIGINT beyond 2^53 as a string." })
  rows: Record<string, unknown>[];
  @Field(() => Int) rowCount: number;
  @Field({ description: "More rows existed than the limit let through." }) truncated: boolean;
}
