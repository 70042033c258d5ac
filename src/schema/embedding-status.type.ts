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

export enum HealthState {
  UNKNOWN = "UNKNOWN",
  OK = "OK",
  FAILING = "FAILING",
}
registerEnumType(HealthState, { name: "HealthState" });

@ObjectType({ description: "What the last connection test or scan found of the source, and when the connection was last used." })
export class ConnectionStatus {
  @Field(() => HealthState, { description: "UNKNOWN until a test or scan reaches the source." }) state: HealthState;
  @Field(() => DateTimeScalar, { nullable: true }) checkedAt: Date | null;
  @Field(() => String, { nullable: true, description: "Why FAILING: the gateway's words, naming what to look at." }) error: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: "The last scan (scans are recorded within seconds, in batches)." }) lastUsedAt: Date | null;
}
