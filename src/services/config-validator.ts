import { createPrivateKey, X509Certificate } from "node:crypto";
import type { ConnectionField, ConnectionType } from "../datasources/sources/connection-types";
import { badFields, badInput } from "../errors";
import { CONFIG_STRING_MAX } from "../limits";

export type ConfigValue = string | number | boolean;

export interface MergedConfig {
  /** Final non-secret values, plus kept secret ciphertexts. */
  readonly values: Record<string, ConfigValue>;
  /** Secret fields whose new plaintext must be encrypted into `values`. */
  readonly newSecrets: Record<string, string>;
}

// Line breaks and other control characters could forge extra lines in a catalog properties file.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Checks `patch` against the connection type and merges it onto `stored` (null on create). Unknown, missing and
 * malformed fields are collected and refused together, each named as `config.<field>`. Secrets: a value equal to
 * the stored ciphertext (or absent, on update) is kept; any other `enc:` value is refused; changing a field that a
 * secret is bound to (host, port, database, user…) without re-sending that secret is refused.
 */
export function mergeConfig(type: ConnectionType, stored: Record<string, unknown> | null, patch: unknown): MergedConfig {
  if (patch === undefined || patch === null) patch = {};
  if (typeof patch !== "object" || Array.isArray(patch)) throw badInput("config: must be a JSON object of field values");
  const input = patch as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(type.fields.map((f) => f.name));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) problems.push(`config.${key.slice(0, 64)}: unknown field for ${type.name}; known fields: ${[...known].join(", ")}`);
  }
  const values: Record<string, ConfigValue> = {};
  const newSecrets: Record<string, string> = {};
  const keptSecrets: string[] = [];
  const missing: ConnectionField[] = [];
  for (const f of type.fields) {
    const given = Object.prototype.hasOwnProperty.call(input, f.name) ? input[f.name] : undefined;
    const previous = stored?.[f.name];
    if (f.secret) {
      const outcome = mergeSecret(f, given, previous, stored !== null);
      if (outcome.problem) problems.push(outcome.problem);
      else if (outcome.keep) {
        values[f.name] = previous as string;
        keptSecrets.push(f.name);
      } else if (outcome.plaintext !== undefined) newSecrets[f.name] = outcome.plaintext;
      else if (f.required) missing.push(f);
      continue;
    }
    let raw: unknown = given === undefined && stored !== null ? previous : given;
    if (raw === null || raw === undefined || raw === "") raw = f.default ?? undefined;
    if (raw === undefined) {
      if (f.required) missing.push(f);
      continue;
    }
    const checked = coerce(f, raw);
    if (typeof checked === "object") problems.push(checked.problem);
    else values[f.name] = checked;
  }
  // A field that applies only when another has some value: required only then, and refused otherwise.
  const applies = (f: ConnectionField) => f.dependsOn === null || f.dependsOn.values.includes(values[f.dependsOn.field] as string | boolean);
  for (const f of missing) if (applies(f)) problems.push(`config.${f.name}: required for ${type.name}`);
  for (const f of type.fields) {
    if (!applies(f) && (values[f.name] !== undefined || newSecrets[f.name] !== undefined) && values[f.name] !== f.default) {
      problems.push(`config.${f.name}: applies only when ${f.dependsOn!.field} is ${f.dependsOn!.values.join(" or ")}; leave it out (or send null to remove it)`);
    }
  }
  if (stored !== null && problems.length === 0) {
    const changed = type.boundFields.filter((name) => values[name] !== stored[name]);
    if (changed.length > 0) {
      for (const name of keptSecrets) {
        problems.push(`config.${name}: must be re-sent when ${changed.join(", ")} change${changed.length === 1 ? "s" : ""}; the stored secret stays bound to the old values`);
      }
    }
  }
  if (problems.length > 0) throw badFields(problems);
  return { values, newSecrets };
}

function mergeSecret(f: ConnectionField, given: unknown, previous: unknown, isUpdate: boolean): { problem?: string; keep?: boolean; plaintext?: string } {
  if (given === undefined) return isUpdate && typeof previous === "string" ? { keep: true } : {};
  if (given === null) return {};
  if (typeof given !== "string") return { problem: `config.${f.name}: must be a string` };
  // Any enc: prefix, not only enc:v1: a future format must not be stored as if it were a password.
  if (given.startsWith("enc:")) {
    if (isUpdate && given === previous) return { keep: true };
    return { problem: `config.${f.name}: this encrypted value does not belong to this connection; send the plaintext` };
  }
  if (given === "") return {};
  const max = f.maxLength ?? CONFIG_STRING_MAX;
  if (given.length > max) return { problem: `config.${f.name}: longer than ${max} characters` };
  if (f.type !== "text" && CONTROL.test(given)) return { problem: `config.${f.name}: must not contain control characters` };
  const notPem = pemProblem(f, given);
  if (notPem) return { problem: notPem };
  return { plaintext: given };
}

/** PEM fields must parse: certificates as X.509 (each one of a bundle), a private key as an unencrypted key. */
function pemProblem(f: ConnectionField, value: string): string | null {
  if (f.format === "pem-certificates") {
    const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    try {
      if (blocks.length === 0) throw new Error("no certificate");
      for (const block of blocks) new X509Certificate(block);
    } catch {
      return `config.${f.name}: must be one or more PEM certificates (-----BEGIN CERTIFICATE----- …)`;
    }
  }
  if (f.format === "pem-private-key") {
    try {
      if (!value.includes("-----BEGIN")) throw new Error("not PEM");
      createPrivateKey({ key: value, format: "pem" });
    } catch {
      return `config.${f.name}: must be an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- …)`;
    }
  }
  return null;
}

function coerce(f: ConnectionField, raw: unknown): ConfigValue | { problem: string } {
  const name = `config.${f.name}`;
  // An older spelling stands for its value (ssl: true is verify-full).
  if (f.aliases && (typeof raw === "boolean" || typeof raw === "string") && Object.prototype.hasOwnProperty.call(f.aliases, String(raw))) raw = f.aliases[String(raw)];
  switch (f.type) {
    case "integer": {
      const n = typeof raw === "string" && /^\d{1,10}$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== "number" || !Number.isInteger(n)) return { problem: `${name}: must be an integer` };
      if ((f.minimum !== null && n < f.minimum) || (f.maximum !== null && n > f.maximum))
        return { problem: `${name}: must be from ${f.minimum ?? "any"} to ${f.maximum ?? "any"}` };
      return n;
    }
    case "boolean": {
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "false") return raw === "true";
      return { problem: `${name}: must be true or false` };
    }
    case "string":
    case "text": {
      if (typeof raw !== "string") return { problem: `${name}: must be a string` };
      const value = f.type === "text" ? raw : raw.trim();
      // The field's own bound, as the form shows it (identifiers 128, other strings and text larger).
      const max = f.maxLength ?? CONFIG_STRING_MAX;
      if (value.length > max) return { problem: `${name}: longer than ${max} characters` };
      if (f.type === "string" && CONTROL.test(value)) return { problem: `${name}: must not contain control characters` };
      // Fields that end up inside a JDBC URL or a host name have a pattern, so they cannot smuggle URL parameters.
      if (f.pattern !== null && !new RegExp(f.pattern).test(value)) return { problem: `${name}: may hold only letters, digits, space, _ $ . and -` };
      if (f.options !== null && !f.options.some((o) => o.value === value)) return { problem: `${name}: must be one of ${f.options.map((o) => o.value).join(", ")}` };
      const notPem = pemProblem(f, value);
      if (notPem) return { problem: notPem };
      return value;
    }
    default: {
      const unreachable: never = f.type;
      return unreachable;
    }
  }
}
