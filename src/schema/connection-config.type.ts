import { Field, ID, Int, ObjectType } from "type-graphql";
import { JSONScalar } from "./scalars";

@ObjectType({ description: "A value a field may take, with the words a form shows for it." })
export class ConnectionConfigFieldOption {
  @Field() value: string;
  @Field() label: string;
}

@ObjectType({ description: "The field applies only when another field of the same config has one of these values." })
export class ConnectionConfigFieldCondition {
  @Field() field: string;
  @Field(() => [JSONScalar]) values: (string | boolean)[];
}

@ObjectType({ description: "One setting of a connection type, with what a form needs to render and check it." })
export class ConnectionConfigField {
  @Field() name: string;
  @Field() label: string;
  @Field({ description: "string, integer, boolean or text (multi-line)." }) type: string;
  @Field() required: boolean;
  @Field({ description: "Stored encrypted and returned only as enc:v1:… ciphertext." }) secret: boolean;
  @Field(() => JSONScalar, { nullable: true }) default: string | number | boolean | null;
  @Field() description: string;
  @Field(() => String, { nullable: true, description: "An example for the empty input; never used as a value." }) placeholder: string | null;
  @Field({ description: "location, authentication or security: the section of a form it belongs to." }) group: string;
  @Field(() => Int, { description: "1-based position on the form, in the order the type lists its fields." }) order: number;
  @Field(() => Int, { nullable: true, description: "Smallest integer accepted." }) minimum: number | null;
  @Field(() => Int, { nullable: true, description: "Largest integer accepted." }) maximum: number | null;
  @Field(() => Int, { nullable: true, description: "Most characters accepted (strings and texts)." }) maxLength: number | null;
  @Field(() => String, { nullable: true, description: "A regular expression (ECMAScript) the whole value must match." }) pattern: string | null;
  @Field(() => [ConnectionConfigFieldOption], { nullable: true, description: "The values it may take; null for free input." })
  options: ConnectionConfigFieldOption[] | null;
  @Field(() => ConnectionConfigFieldCondition, { nullable: true, description: "When it applies; null: always. A form hides it otherwise." })
  dependsOn: ConnectionConfigFieldCondition | null;
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
