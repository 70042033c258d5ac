import { Field, Int, ObjectType } from "type-graphql";
import { ScanResult } from "./scan.type";

@ObjectType({ description: "A read-only statement written by the AI endpoint for a question, checked by the gate and at the source." })
export class GeneratedSql {
  @Field() query: string;
  @Field(() => [String], { description: "The tables given to the model as context (the closest by meaning, at most 5)." }) tables: string[];
  @Field(() => Int, { description: "1, or 2 when the first statement was refused and the model corrected it." }) attempts: number;
  @Field(() => ScanResult, { nullable: true, description: "With run: true, the statement's first rows (counted as a scan)." }) scan: ScanResult | null;
}
