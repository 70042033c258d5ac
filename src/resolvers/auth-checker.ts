import type { AuthChecker } from "type-graphql";
import { forbidden, unauthenticated } from "../errors";
import type { GatewayContext } from "./context";

/** `@Authorized()` needs any token; `@Authorized("admin")` needs that role. Fails with typed errors. */
export const authChecker: AuthChecker<GatewayContext> = ({ context }, roles) => {
  const principal = context.principal;
  if (!principal) throw unauthenticated();
  if (roles.length > 0 && !roles.includes(principal.role)) {
    throw forbidden(`this operation needs the ${roles.join(" or ")} role; the token has ${principal.role}`);
  }
  return true;
};

/** The principal of an authorized resolver (the checker above has already refused anonymous calls). */
export function principalOf(context: GatewayContext) {
  if (!context.principal) throw unauthenticated();
  return context.principal;
}
