import { IsOptional, Length, Matches, MaxLength } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { JSONScalar } from "./scalars";
import { AUTH_ID_MAX, DESCRIPTION_MAX, LABEL_MAX, MAX_AUTH_IDS } from "../limits";

/** A label is one line of text; a description may have line breaks and tabs. Neither may hold NUL (PostgreSQL text cannot). */
const LABEL_TEXT = /^[^\u0000-\u001f\u007f]*$/;
const DESCRIPTION_TEXT = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
const labelText = () => Matches(LABEL_TEXT, { message: "must not contain control characters" });
const descriptionText = () => Matches(DESCRIPTION_TEXT, { message: "must not contain control characters other than tab and line breaks" });

const AUTH_IDS = `Ids of auths to link (Lytics' auth_ids), kept as given: at most ${MAX_AUTH_IDS}, each 1 to ${AUTH_ID_MAX} letters, digits, '_', '-', '.' or ':'.`;
const TEST = "true: test the config first (as testConnectionConfig does) and save nothing when the test fails.";
const PROVIDER = "Accepted only when it names the vendor of the connection's type (Lytics scripts send it): the provider follows from the type.";

@InputType()
export class CreateConnectionInput {
  @Field() @Length(1, LABEL_MAX) @labelText() label: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(DESCRIPTION_MAX) @descriptionText() description?: string | null;
  @Field(() => ID, { nullable: true, description: "The connection type by id; or give connectionConfigSlug." })
  connectionConfigId?: string | null;
  @Field(() => String, { nullable: true, description: "The connection type by slug, e.g. postgres." })
  connectionConfigSlug?: string | null;
  @Field(() => JSONScalar, { description: "Field values for the connection type (see ConnectionConfig.fields)." })
  config: unknown;
  @Field(() => [String], { nullable: true, description: AUTH_IDS }) authIds?: string[] | null;
  @Field(() => ID, { nullable: true, description: PROVIDER }) providerId?: string | null;
  @Field(() => String, { nullable: true, description: "The same, by slug." }) providerSlug?: string | null;
  @Field(() => Boolean, { nullable: true, description: TEST }) test?: boolean | null;
}

@InputType()
export class UpdateConnectionInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, LABEL_MAX) @labelText() label?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(DESCRIPTION_MAX) @descriptionText() description?: string | null;
  @Field(() => JSONScalar, {
    nullable: true,
    description: "Fields to change, merged onto the stored config; null removes an optional field. A secret sent back as its enc:v1 value is kept.",
  })
  config?: unknown;
  @Field(() => ID, {
    nullable: true,
    description: "Accepted only when it names the connection's own type (a type cannot be changed), so a connection read back can be sent back.",
  })
  connectionConfigId?: string | null;
  @Field(() => String, { nullable: true, description: "The same, by slug." })
  connectionConfigSlug?: string | null;
  @Field(() => [String], { nullable: true, description: `${AUTH_IDS} Replaces the list; left out keeps it, null or [] empties it.` }) authIds?: string[] | null;
  @Field(() => ID, { nullable: true, description: PROVIDER }) providerId?: string | null;
  @Field(() => String, { nullable: true, description: "The same, by slug." }) providerSlug?: string | null;
  @Field(() => Boolean, { nullable: true, description: TEST }) test?: boolean | null;
}
