import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "./scalars";

export enum TokenRole {
  admin = "admin",
  reader = "reader",
}
registerEnumType(TokenRole, { name: "TokenRole", description: "admin: everything in the account; reader: reads and scans." });

export enum TokenLifetime {
  DAYS_7 = 7,
  DAYS_30 = 30,
  DAYS_90 = 90,
  NEVER = 0,
}
registerEnumType(TokenLifetime, { name: "TokenLifetime", description: "How long a new token lasts: 7, 30 or 90 days, or until revoked." });

@ObjectType({ description: "An API token of the account: what it is, never the token itself (stored only as its SHA-256)." })
export class ApiToken {
  @Field(() => ID) id: string;
  @Field(() => TokenRole) role: TokenRole;
  @Field(() => String, { nullable: true }) name: string | null;
  @Field(() => DateTimeScalar) created: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: "Refused from then on; null: never expires." }) expires: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) revoked: Date | null;
}

@ObjectType({ description: "A new token: `token` is shown this once; keep it, the gateway cannot show it again." })
export class CreatedApiToken {
  @Field() token: string;
  @Field(() => ApiToken) apiToken: ApiToken;
}

@ObjectType({ description: "The token a connection was created with, standing for its author." })
export class ConnectionAuthor {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) name: string | null;
}
