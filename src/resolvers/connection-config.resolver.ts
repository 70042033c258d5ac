import { Arg, Authorized, Query, Resolver } from "type-graphql";
import { ConnectionConfig } from "../schema/connection-config.type";
import { ConnectionConfigService } from "../services/connection-config.service";

@Resolver(() => ConnectionConfig)
export class ConnectionConfigResolver {
  constructor(private readonly configs: ConnectionConfigService) {}

  @Authorized()
  @Query(() => [ConnectionConfig], { description: "Every connection type and the fields its config takes." })
  connectionConfigs() {
    return this.configs.list();
  }

  @Authorized()
  @Query(() => ConnectionConfig, { nullable: true })
  connectionConfig(@Arg("idOrSlug") idOrSlug: string) {
    return this.configs.get(idOrSlug);
  }
}
