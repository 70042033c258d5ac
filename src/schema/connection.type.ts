import { Field, ID, Int, ObjectType } from "type-graphql";
import { ConnectionStatus, EmbeddingStatus } from "./embedding-status.type";
import { PageInfo } from "./page-info.type";
import { DateTimeScalar, JSONScalar } from "./scalars";

@ObjectType({ description: "A registered link to an external database." })
export class Connection {
  @Field(() => ID) id: string;
  /** Not in the schema: the config's version, so schema-cache entries made for an older config are never read. */
  configVersion: number;
  @Field(() => ID) accountId: string;
  @Field(() => Int, { description: "The account's number (Lytics' aid)." }) aid: number;
  @Field() label: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => ID) connectionConfigId: string;
  @Field() connectionConfigSlug: string;
  @Field(() => ID, { description: "The database's vendor (Lytics' provider_id); follows from the type." }) providerId: string;
  @Field({ description: "The same, by slug (postgresql, oracle, aws…)." }) providerSlug: string;
  @Field(() => JSONScalar, { description: "Field values; secret fields appear only as enc:v1:… ciphertext." })
  config: Record<string, unknown>;
  @Field(() => [String], { description: "Ids of auths linked to the connection (Lytics' auth_ids): kept as given." }) authIds: string[];
  @Field(() => DateTimeScalar) created: Date;
  @Field(() => DateTimeScalar) updated: Date;
  @Field(() => DateTimeScalar, { nullable: true }) deleted: Date | null;
  @Field(() => ID, { nullable: true }) authorId: string | null;
  @Field(() => ID, { nullable: true }) updatedByUserId: string | null;
  @Field(() => EmbeddingStatus) embedding: EmbeddingStatus;
  @Field(() => ConnectionStatus) status: ConnectionStatus;
}

@ObjectType({ description: "One page of the account's connections, oldest first." })
export class ConnectionPage {
  @Field(() => [Connection]) connections: Connection[];
  @Field(() => Int, { description: "Connections matching the filters, on every page." }) totalCount: number;
  @Field(() => PageInfo) pageInfo: PageInfo;
}
