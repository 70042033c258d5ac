import { Field, ID, Int, ObjectType } from "type-graphql";
import { EmbeddingStatus } from "./embedding-status.type";
import { PageInfo } from "./page-info.type";
import { DateTimeScalar, JSONScalar } from "./scalars";

@ObjectType({ description: "A registered link to an external database." })
export class Connection {
  @Field(() => ID) id: string;
  /** Not in the schema: the config's version, so schema-cache entries made for an older config are never read. */
  configVersion: number;
  @Field(() => ID) accountId: string;
  @Field() label: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => ID) connectionConfigId: string;
  @Field() connectionConfigSlug: string;
  @Field(() => JSONScalar, { description: "Field values; secret fields appear only as enc:v1:… ciphertext." })
  config: Record<string, unknown>;
  @Field(() => DateTimeScalar) created: Date;
  @Field(() => DateTimeScalar) updated: Date;
  @Field(() => DateTimeScalar, { nullable: true }) deleted: Date | null;
  @Field(() => ID, { nullable: true }) authorId: string | null;
  @Field(() => ID, { nullable: true }) updatedByUserId: string | null;
  @Field(() => EmbeddingStatus) embedding: EmbeddingStatus;
}

@ObjectType({ description: "One page of the account's connections, oldest first." })
export class ConnectionPage {
  @Field(() => [Connection]) connections: Connection[];
  @Field(() => Int, { description: "Connections matching the filters, on every page." }) totalCount: number;
  @Field(() => PageInfo) pageInfo: PageInfo;
}
