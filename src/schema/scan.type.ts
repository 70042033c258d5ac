import { Field, Int, ObjectType } from "type-graphql";
import { JSONScalar } from "./scalars";

@ObjectType()
export class Column {
  @Field() name: string;
  @Field() dataType: string;
}

@ObjectType({ description: "The first rows of a read-only query." })
export class ScanResult {
  @Field(() => [Column]) columns: Column[];
  @Field(() => [JSONScalar], { description: "Objects keyed by column name; BIGINT beyond 2^53 as a string." })
  rows: Record<string, unknown>[];
  @Field(() => Int) rowCount: number;
  @Field({ description: "More rows existed than the limit let through." }) truncated: boolean;
}
