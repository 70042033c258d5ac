import { Field, ID, ObjectType } from "type-graphql";
import { JSONScalar } from "./scalars";

@ObjectType({ description: "One setting of a connection type." })
export class ConnectionConfigField {
  @Field() name: string;
  @Field() label: string;
  @Field({ description: "string, integer, boolean or text (multi-line)." }) type: string;
  @Field() required: boolean;
  @Field({ description: "Stored encrypted and returned only as enc:v1:… ciphertext." }) secret: boolean;
  @Field(() => JSONScalar, { nullable: true }) default: string | number | boolean | null;
  @Field() description: string;
}

@ObjectType({ description: "A kind of database the gateway can connect to, and the fields its config takes." })
export class ConnectionConfig {
  @Field(() => ID) id: string;
  @Field() slug: string;
  @Field() name: string;
  @Field() description: string;
  @Field(() => ID, { description: "The database's vendor, as a connection of this type reports it." }) providerId: string;
  @Field() providerSlug: string;
  @Field(() => [ConnectionConfigField]) fields: ConnectionConfigField[];
  @Field({ description: "Whether this deployment can scan and list connections of this type (some need the Trino engine)." }) available: boolean;
  @Field(() => String, { nullable: true, description: "Why not, for the gateway's operator to act on; null when available." })
  unavailableReason: string | null;
}
