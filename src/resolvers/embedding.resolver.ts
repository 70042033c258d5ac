import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { Connection } from "../schema/connection.type";
import { TableMatch } from "../schema/table.type";
import { EmbeddingService } from "../services/embedding.service";
import { DEFAULT_K } from "../limits";
import { principalOf } from "./auth-checker";
import type { GatewayContext } from "./context";

@Resolver()
export class EmbeddingResolver {
  constructor(private readonly embeddings: EmbeddingService) {}

  @Authorized()
  @Query(() => [TableMatch], {
    description:
      "Tables of a connection ranked by how well they answer a question (the embedder, the sentence model and BM25, fused by reciprocal rank), best first; each match names the columns and words that made it. Empty until the connection's embeddings are computed.",
  })
  searchSchema(
    @Ctx() ctx: GatewayContext,
    @Arg("connectionId", () => ID) connectionId: string,
    @Arg("text") text: string,
    @Arg("k", () => Int, { defaultValue: DEFAULT_K }) k: number,
  ) {
    return this.embeddings.search(principalOf(ctx), connectionId, text, k);
  }

  @Authorized("admin")
  @Mutation(() => Connection, { description: "Drops the cached schema and computes the embeddings again." })
  refreshConnectionSchema(@Ctx() ctx: GatewayContext, @Arg("id", () => ID) id: string) {
    return this.embeddings.refresh(principalOf(ctx), id);
  }
}
