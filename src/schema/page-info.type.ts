import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "Where a page ends, and whether another follows (Relay's shape)." })
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true, description: "Pass as `after` for the next page; null on an empty page." }) endCursor: string | null;
}
