import { IsOptional, Length, MaxLength } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { JSONScalar } from "./scalars";

export const LABEL_MAX = 200;
export const DESCRIPTION_MAX = 2000;

@InputType()
export class CreateConnectionInput {
  @Field() @Length(1, LABEL_MAX) label: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(DESCRIPTION_MAX) description?: string | null;
  @Field(() => ID, { nullable: true, description: "The connection type by id; or give connectionConfigSlug." })
  connectionConfigId?: string | null;
  @Field(() => String, { nullable: true, description: "The connection type by slug, e.g. postgres." })
  connectionConfigSlug?: string | null;
  @Field(() => JSONScalar, { description: "Field values for the connection type (see ConnectionConfig.fields)." })
  config: unknown;
}

@InputType()
export class UpdateConnectionInput {
  @Field({ nullable: true }) @IsOptional() @Length(1, LABEL_MAX) label?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(DESCRIPTION_MAX) description?: string | null;
  @Field(() => JSONScalar, {
    nullable: true,
    description:
      "Fields to change, merged onto the stored config; null removes an optional field. A secret sent back as its enc:v1 value is kept.",
  })
  config?: unknown;
}
