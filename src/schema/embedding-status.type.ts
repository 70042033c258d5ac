import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "./scalars";

export enum EmbeddingState {
  PENDING = "PENDING",
  RUNNING = "RUNNING",
  READY = "READY",
  FAILED = "FAILED",
}
registerEnumType(EmbeddingState, { name: "EmbeddingState" });

@ObjectType()
export class EmbeddingStatus {
  @Field(() => EmbeddingState) state: EmbeddingState;
  @Field(() => Float, { nullable: true }) progress: number | null;
  @Field(() => Int, { nullable: true }) tableCount: number | null;
  @Field(() => String, { nullable: true }) model: string | null;
  @Field(() => String, { nullable: true }) error: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) updatedAt: Date | null;
}
