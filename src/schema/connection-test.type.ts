import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { DateTimeScalar, JSONScalar } from "./scalars";

@ObjectType({ description: "What a connection test found: a login and a look at what the user may read, or where it stopped." })
export class ConnectionTest {
  @Field() ok: boolean;
  @Field(() => Float, { nullable: true, description: "From the start of the test to the source's answer, login included." }) latencyMs: number | null;
  @Field(() => String, { nullable: true, description: "What answered, e.g. PostgreSQL 15.10 (through Trino: Trino's version)." }) serverVersion: string | null;
  @Field(() => Int, { nullable: true, description: "Tables and views the user may read." }) readableTables: number | null;
  @Field(() => String, {
    nullable: true,
    description: "Where it stopped: dns, host_policy, network, tls, authentication, database, permissions or source; null when ok.",
  })
  stage: string | null;
  @Field(() => String, {
    nullable: true,
    description: "DNS_FAILED, HOST_REFUSED, UNREACHABLE, TIMEOUT, TLS_FAILED, AUTHENTICATION_FAILED, DATABASE_NOT_FOUND, NO_READABLE_TABLE or SOURCE_ERROR.",
  })
  code: string | null;
  @Field(() => String, { nullable: true, description: "What to look at, naming the config fields." }) message: string | null;
  @Field(() => DateTimeScalar) checkedAt: Date;
}

@InputType({ description: "A config to test before it is saved; its secrets are used for the test only, never stored." })
export class TestConnectionConfigInput {
  @Field(() => ID, { nullable: true, description: "The connection type by id; or give connectionConfigSlug." }) connectionConfigId?: string | null;
  @Field(() => String, { nullable: true }) connectionConfigSlug?: string | null;
  @Field(() => JSONScalar, { description: "Field values for the connection type, secrets in plaintext." }) config: unknown;
}
