import dns from "node:dns";
import net from "node:net";
import { badInput } from "../../errors";

export interface ResolvedHost {
  host: string;
  address: string;
  family: 4 | 6;
}

type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;

const REFUSAL = "connections to loopback, private, link-local, cloud metadata and other special-purpose addresses are refused unless ALLOWED_HOSTS admits them";

const blockList = (ranges: string[]): net.BlockList => {
  const list = new net.BlockList();
  for (const range of ranges) {
    const [address, bits] = range.split("/");
    const type = net.isIPv6(address) ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
};

/**
 * Every range IANA's IPv4 and IPv6 Special-Purpose Address Registries mark as not globally reachable (and a few
 * marked reachable that a database has no business on: anycast relays, 192.0.0.0/24 whole), by class. Order matters:
 * metadata endpoints sit inside link-local, unique-local and CGNAT ranges and must be named as such. BlockList
 * matches ::ffff:a.b.c.d against IPv4 rules itself; the other forms that carry an IPv4 address are unwrapped below.
 * Registries: https://www.iana.org/assignments/iana-ipv4-special-registry, …/iana-ipv6-special-registry.
 */
const CLASSES: [string, net.BlockList][] = [
  ["cloud metadata", blockList(["169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254"])],
  ["unspecified", blockList(["0.0.0.0/8", "::"])],
  ["loopback", blockList(["127.0.0.0/8", "::1"])],
  // fec0::/10 is deprecated site-local: the IPv6 private space before fc00::/7 replaced it.
  ["private", blockList(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fec0::/10"])],
  ["unique-local", blockList(["fc00::/7"])],
  ["link-local", blockList(["169.254.0.0/16", "fe80::/10"])],
  ["documentation", blockList(["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"])],
  ["benchmarking", blockList(["198.18.0.0/15", "2001:2::/48"])],
  [
    "multicast or reserved",
    blockList([
      "224.0.0.0/4",
      "240.0.0.0/4",
      "ff00::/8",
      // IETF protocol assignments (DS-Lite, NAT64 discovery, PCP and TURN anycast …) and the 6to4 relay anycast.
      "192.0.0.0/24",
      "192.88.99.0/24",
      // Local-use IPv4/IPv6 translation, discard-only, IETF protocol assignments (Teredo, ORCHIDv2 …), SRv6 SIDs.
      "64:ff9b:1::/48",
      "100::/64",
      "2001::/23",
      "5f00::/16",
    ]),
  ],
];

/** 8 numeric hextets of a valid IPv6 literal (with or without a trailing dotted quad). */
function hextets(address: string): number[] {
  let s = address;
  if (s.includes(".")) {
    const cut = s.lastIndexOf(":") + 1;
    const q = s.slice(cut).split(".").map(Number);
    s = `${s.slice(0, cut)}${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16));
}

/**
 * The IPv4 address an IPv6 form hands traffic to: NAT64 (64:ff9b::/96), 6to4 (2002::/16), IPv4-compatible (::/96),
 * SIIT IPv4-translated (::ffff:0:a.b.c.d). Mapped ::ffff:a.b.c.d is matched by BlockList itself; Teredo
 * (2001::/32) is refused whole with 2001::/23.
 */
function embeddedIPv4(address: string): string | null {
  const x = hextets(address);
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (x[0] === 0x2002) return quad(x[1], x[2]);
  const zeroFrom2To5 = x.slice(2, 6).every((v) => v === 0);
  if (x[0] === 0x64 && x[1] === 0xff9b && zeroFrom2To5) return quad(x[6], x[7]);
  if (x[0] === 0 && x[1] === 0 && zeroFrom2To5) return quad(x[6], x[7]);
  if (x.slice(0, 4).every((v) => v === 0) && x[4] === 0xffff && x[5] === 0) return quad(x[6], x[7]);
  return null;
}

// getaddrinfo (inet_aton) reads these as IPv4: 2130706433, 0x7f.1, 127.1, 0177.0.0.1 all mean 127.0.0.1.
const isNumericForm = (host: string) =>
  host
    .replace(/\.$/, "")
    .split(".")
    .every((label) => /^(0x[0-9a-f]*|\d+)$/i.test(label));

const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, "$1");

export class HostPolicy {
  private readonly admittedNames = new Set<string>();
  private readonly admittedAddresses = new net.BlockList();
  private readonly exempted = new Set<string>();
  private readonly lookup: Lookup;

  constructor(allowedHosts: readonly string[], options?: { lookup?: Lookup }) {
    // Read dns.promises at call time, not import time, so the policy always uses the live resolver.
    this.lookup = options?.lookup ?? ((host) => dns.promises.lookup(host, { all: true, verbatim: true }));
    for (const raw of allowedHosts) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const [addressPart, bits, extra] = entry.split("/");
      const address = unbracket(addressPart);
      const family = net.isIP(address);
      const type = family === 6 ? "ipv6" : "ipv4";
      if (bits !== undefined) {
        // Misconfiguration must stop startup rather than silently admit nothing (or everything).
        if (!family || extra !== undefined || !/^\d{1,3}$/.test(bits) || Number(bits) > (family === 6 ? 128 : 32)) {
          throw new Error(`ALLOWED_HOSTS: '${raw}' is not a valid CIDR`);
        }
        this.admittedAddresses.addSubnet(address, Number(bits), type);
      } else if (family) {
        this.admittedAddresses.addAddress(address, type);
      } else {
        this.admittedNames.add(entry.replace(/\.$/, ""));
      }
    }
  }

  exempt(host: string, port: number): void {
    this.exempted.add(`${port} ${unbracket(host).toLowerCase()}`);
  }

  /**
   * `unresolved: "accept"` is for create and update, where a name that does not resolve yet (DNS not set up, or
   * resolvable only from the query layer's network) cannot be judged: it is stored, and the check at connect
   * time, which always resolves, decides. Addresses that do resolve are judged at once either way.
   */
  async check(host: string, options: { field?: string; port?: number; unresolved?: "refuse" | "accept" } = {}): Promise<ResolvedHost | null> {
    const field = options.field ?? "host";
    const name = parseHost(host, field);
    const key = name.toLowerCase();
    const literal = net.isIP(name);
    // A name entry trusts the operator's name, whatever (and however often) it resolves to.
    const admittedName = !literal && this.admittedNames.has(key.replace(/\.$/, ""));
    const lenient = admittedName || options.unresolved === "accept";
    const addresses = literal ? [{ address: name }] : await this.resolve(name, field, lenient);
    if (addresses === null) return null;
    const address = addresses[0].address;
    const first: ResolvedHost = { host: name, address, family: net.isIPv6(address.replace(/%.*$/, "")) ? 6 : 4 };
    if (options.port !== undefined && this.exempted.has(`${options.port} ${key}`)) return first;
    if (admittedName) return first;
    // Every address must pass: the driver may try any of them, so one private record is enough to refuse.
    for (const candidate of addresses) {
      const ip = candidate.address.replace(/%.*$/, "");
      const cls = HostPolicy.classify(ip);
      if (cls === null || this.admittedAddresses.check(ip, net.isIPv6(ip) ? "ipv6" : "ipv4")) continue;
      const article = cls === "unspecified" ? "an" : "a";
      // Which internal address a name points at is none of the caller's business: only its class is named.
      const subject = literal ? name : `${name} resolves to an address that`;
      throw badInput(`${field}: ${subject} is ${article} ${cls} address; ${REFUSAL}`);
    }
    return first;
  }

  static classify(address: string): string | null {
    const ip = address.replace(/%.*$/, "");
    const family = net.isIP(ip);
    if (!family) throw new TypeError(`not an IP address: '${address}'`);
    for (const [cls, list] of CLASSES) if (list.check(ip, family === 6 ? "ipv6" : "ipv4")) return cls;
    const embedded = family === 6 ? embeddedIPv4(ip) : null;
    return embedded ? HostPolicy.classify(embedded) : null;
  }

  private async resolve(name: string, field: string, lenient: boolean): Promise<{ address: string }[] | null> {
    let found: { address: string }[];
    try {
      found = await this.lookup(name);
    } catch (e) {
      if (lenient) return null;
      throw badInput(`${field}: cannot resolve host '${name}'`, e);
    }
    if (found.length > 0) return found;
    if (lenient) return null;
    throw badInput(`${field}: cannot resolve host '${name}'`);
  }
}

/** Returns the host with IPv6 brackets removed, or throws naming the first syntax problem. */
function parseHost(host: string, field: string): string {
  const bad = (why: string) => badInput(`${field}: ${why}`);
  if (typeof host !== "string" || host === "") throw bad("host is empty");
  if (host.length > 253) throw bad("host is longer than 253 characters");
  if (/\s/.test(host)) throw bad("host must not contain whitespace");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) throw bad("host must be a bare host name or IP address, not a URL with a scheme");
  if (host.includes("@")) throw bad("host must not include credentials ('@')");
  if (host.includes("/")) throw bad("host must not include a path or prefix length ('/')");
  if (host.includes("%")) throw bad("host must not include an IPv6 zone id ('%')");
  if (/^\[.*\]:\d*$/.test(host) || (!net.isIPv6(host) && /^[^:]*:\d*$/.test(host))) {
    throw bad("host must not include a port; use the port field");
  }
  const bracketed = /^\[(.*)\]$/.exec(host);
  if (bracketed || host.includes(":")) {
    const inner = bracketed ? bracketed[1] : host;
    if (!net.isIPv6(inner)) throw bad("host contains ':' or brackets but is not an IPv6 address");
    return inner;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(host)) throw bad("host may contain only letters, digits, '.', '-' and '_'");
  // Refused rather than resolved: a user writing 127.1 is probing, and an exotic form never names a real database.
  if (!net.isIPv4(host) && isNumericForm(host)) {
    throw bad(`'${host}' is not a dotted-quad IPv4 address; write four decimal numbers without leading zeros`);
  }
  return host;
}
