import type { ConnectionType } from "../datasources/sources/connection-types";
import { badInput } from "../errors";
import { AUTH_ID_MAX, MAX_AUTH_IDS } from "../limits";

const AUTH_ID = new RegExp(`^[A-Za-z0-9_.:-]{1,${AUTH_ID_MAX}}$`);

/**
 * Lytics' `auth_ids`, kept as given and returned on every read: so bounded in count and length, plain in spelling,
 * and without repeats. null stands for none.
 */
export function checkAuthIds(ids: readonly string[] | null): string[] {
  if (ids === null) return [];
  if (ids.length > MAX_AUTH_IDS) throw badInput(`authIds: at most ${MAX_AUTH_IDS} ids, not ${ids.length}`);
  ids.forEach((id, i) => {
    if (!AUTH_ID.test(id)) throw badInput(`authIds: item ${i + 1} must be 1 to ${AUTH_ID_MAX} letters, digits, '_', '-', '.' or ':'`);
    if (ids.indexOf(id) !== i) throw badInput(`authIds: '${id}' is given twice`);
  });
  return [...ids];
}

/**
 * Lytics' `provider_id` / `provider_slug`: here the provider follows from the type (its vendor), so a value sent is
 * accepted when it names that vendor (a script sending a connection back) and refused by name when it names another.
 */
export function checkProvider(type: ConnectionType, given: { providerId?: string | null; providerSlug?: string | null }): void {
  const { id, slug } = type.provider;
  if (given.providerId != null && given.providerId.toLowerCase() !== id) {
    throw badInput(`providerId: a ${type.slug} connection's provider is ${slug} (${id}), not '${given.providerId.slice(0, 64)}'`);
  }
  if (given.providerSlug != null && given.providerSlug.toLowerCase() !== slug) {
    throw badInput(`providerSlug: a ${type.slug} connection's provider is ${slug}, not '${given.providerSlug.slice(0, 64)}'`);
  }
}
