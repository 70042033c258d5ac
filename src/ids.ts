/** Connection, account and token ids are UUIDs; PostgreSQL reads any letter case as the same uuid. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

/**
 * The one spelling of an id: lower case. Anything keyed by an id a client sent (rate-limit counters, caches) uses
 * it, so `ABC…` and `abc…` share one budget; null for anything that is not a UUID at all.
 */
export const canonicalId = (value: unknown): string | null => (isUuid(value) ? value.toLowerCase() : null);
