import { describe, it, expect } from "vitest";
import { HostPolicy } from "../../src/datasources/sources/host-policy";

// Stands in for DNS only where real resolution is impossible offline; it records calls so syntax tests can
// prove a refused host never reached the resolver.
function fakeDns(records: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = async (host: string) => {
    calls.push(host);
    const found = records[host.toLowerCase()];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return { calls, lookup };
}

const refused = (promise: Promise<unknown>, pattern: RegExp) => expect(promise).rejects.toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(pattern) });

describe("HostPolicy.classify and check on IP literals", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fec0::1", "private"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.170.2", "cloud metadata"],
    ["fd00:ec2::254", "cloud metadata"],
    ["100.100.100.200", "cloud metadata"],
    ["168.63.129.16", "cloud metadata"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast or reserved"],
    ["239.255.255.250", "multicast or reserved"],
    ["240.0.0.1", "multicast or reserved"],
    ["255.255.255.255", "multicast or reserved"],
    ["ff02::1", "multicast or reserved"],
    // IPv4-mapped, NAT64, 6to4 and IPv4-compatible forms take the class of the IPv4 address they carry.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "cloud metadata"],
    ["::ffff:a00:1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::10.0.0.1", "private"],
    ["2002:a9fe:a9fe::1", "cloud metadata"],
    ["2002:c0a8:101::", "private"],
    ["::127.0.0.1", "loopback"],
    // SIIT IPv4-translated (::ffff:0:0:0/96) carries an IPv4 address too.
    ["::ffff:0:127.0.0.1", "loopback"],
    ["::ffff:0:a00:1", "private"],
    // The rest of IANA's special-purpose registries: not globally reachable.
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.10", "documentation"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.254", "benchmarking"],
    ["2001:2::1", "benchmarking"],
    ["192.0.0.1", "multicast or reserved"],
    ["192.0.0.170", "multicast or reserved"],
    ["192.88.99.1", "multicast or reserved"],
    ["64:ff9b:1::7f00:1", "multicast or reserved"],
    ["64:ff9b:1::808:808", "multicast or reserved"],
    ["100::1", "multicast or reserved"],
    ["2001::1", "multicast or reserved"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "multicast or reserved"],
    ["5f00::1", "multicast or reserved"],
    // IPv4 forms inside those IPv6 ranges take the IPv4 address's class.
    ["2002:c000:0201::1", "documentation"],
    ["64:ff9b::c612:1", "benchmarking"],
    // Public, including neighbours just outside refused ranges.
    ["8.8.8.8", null],
    ["1.1.1.1", null],
    ["172.32.0.1", null],
    ["100.128.0.1", null],
    ["2606:4700::1111", null],
    ["[2606:4700::1111]", null],
    ["::ffff:8.8.8.8", null],
    ["64:ff9b::808:808", null],
    ["2002:808:808::1", null],
    // Just outside the added ranges.
    ["192.0.3.1", null],
    ["198.17.255.255", null],
    ["198.20.0.1", null],
    ["192.88.98.1", null],
    ["2001:200::1", null],
    ["2001:db9::1", null],
  ])("%s → %s", async (host, cls) => {
    const address = host.replace(/^\[(.*)\]$/, "$1");
    expect(HostPolicy.classify(address)).toBe(cls);
    const check = new HostPolicy([]).check(host);
    if (cls === null) await expect(check).resolves.toEqual({ host: address, address, family: address.includes(":") ? 6 : 4 });
    else await refused(check, new RegExp(`^host: .* is an? ${cls} address; connections to loopback`));
  });
});

describe("host syntax", () => {
  it.each([
    ["", /empty/],
    ["a".repeat(254), /longer than 253/],
    ["postgres://db.example.com", /scheme/],
    ["db.example.com/postgres", /path/],
    ["10.0.0.0/8", /path or prefix/],
    ["admin@db.example.com", /credentials/],
    ["db.example.com:5432", /port/],
    ["8.8.8.8:5432", /port/],
    ["[2606:4700::1111]:5432", /port/],
    ["db example.com", /whitespace/],
    [" db.example.com", /whitespace/],
    ["db.example.com\n", /whitespace/],
    ["fe80::1%eth0", /zone id/],
    ["[fe80::1%25eth0]", /zone id/],
    ["db$.example.com", /only letters, digits/],
    ["db.example.com;", /only letters, digits/],
    ["[db.example.com]", /not an IPv6 address/],
    ["1::2::3", /not an IPv6 address/],
    // Numeric forms inet_aton would turn into 127.0.0.1 (or 1.2.3.4).
    ["2130706433", /not a dotted-quad/],
    ["0x7f.1", /not a dotted-quad/],
    ["0x7f000001", /not a dotted-quad/],
    ["127.1", /not a dotted-quad/],
    ["017700000001", /not a dotted-quad/],
    ["0177.0.0.1", /not a dotted-quad/],
    ["127.000.000.001", /not a dotted-quad/],
    ["1.2.3.4.", /not a dotted-quad/],
  ])("refuses %j before resolving", async (host, pattern) => {
    const dns = fakeDns({});
    await refused(new HostPolicy([], { lookup: dns.lookup }).check(host, { field: "config.host" }), new RegExp(`^config\\.host: .*${pattern.source}`));
    expect(dns.calls).toEqual([]);
  });

  it("still classifies canonical names and literals that happen to look numeric-ish", async () => {
    const dns = fakeDns({ "db-1.example.com": ["8.8.4.4"], "0day.example": ["8.8.4.4"] });
    const policy = new HostPolicy([], { lookup: dns.lookup });
    await expect(policy.check("db-1.example.com")).resolves.toMatchObject({ address: "8.8.4.4", family: 4 });
    await expect(policy.check("0day.example")).resolves.toMatchObject({ address: "8.8.4.4" });
  });
});

describe("host names", () => {
  it("refuses localhost through real DNS (/etc/hosts) unless ALLOWED_HOSTS names it", async () => {
    await refused(new HostPolicy([]).check("localhost"), /^host: localhost resolves to an address that is a loopback address/);
    await expect(new HostPolicy(["LocalHost"]).check("localhost")).resolves.toMatchObject({ host: "localhost" });
  });

  it.each([
    [["8.8.8.8"], null],
    [["2606:4700::1111"], null],
    [["8.8.8.8", "10.0.0.1"], /^host: db\.example\.com resolves to an address that is a private address;/],
    [["2606:4700::1111", "fd00:ec2::254"], /^host: db\.example\.com resolves to an address that is a cloud metadata address;/],
    [["::ffff:169.254.169.254"], /cloud metadata/],
  ])("db.example.com → %j", async (addresses, pattern) => {
    const check = new HostPolicy([], { lookup: fakeDns({ "db.example.com": addresses }).lookup }).check("db.example.com");
    if (pattern === null) await expect(check).resolves.toEqual({ host: "db.example.com", address: addresses[0], family: addresses[0].includes(":") ? 6 : 4 });
    else await refused(check, pattern);
  });

  it("reports a name that does not resolve, naming the field", async () => {
    const policy = new HostPolicy([], { lookup: fakeDns({ "empty.example": [] }).lookup });
    await refused(policy.check("nope.example", { field: "config.host" }), /^config\.host: cannot resolve host 'nope\.example'$/);
    await refused(policy.check("empty.example"), /^host: cannot resolve host 'empty\.example'$/);
  });

  it("accepts a name that does not resolve yet only when asked to (create and update), still judging names that do", async () => {
    const policy = new HostPolicy([], { lookup: fakeDns({ "inside.example": ["10.0.0.5"], "public.example": ["1.2.4.4"] }).lookup });
    await expect(policy.check("later.example", { unresolved: "accept" })).resolves.toBeNull();
    await refused(policy.check("later.example"), /cannot resolve host/);
    await refused(policy.check("inside.example", { unresolved: "accept" }), /inside\.example resolves to an address that is a private address/);
    await expect(policy.check("public.example", { unresolved: "accept" })).resolves.toMatchObject({ address: "1.2.4.4" });
  });

  it("names the field and the class in the full message", async () => {
    await expect(new HostPolicy([]).check("127.0.0.1", { field: "config.host" })).rejects.toThrow(
      "config.host: 127.0.0.1 is a loopback address; connections to loopback, private, link-local, cloud metadata and other special-purpose addresses are refused unless ALLOWED_HOSTS admits them",
    );
  });
});

describe("ALLOWED_HOSTS", () => {
  const dns = fakeDns({ "db.internal": ["10.0.0.5"], "other.internal": ["10.0.0.6"], "lab.example": ["127.0.0.1"] });
  it.each([
    [["127.0.0.1/32"], "127.0.0.1", true],
    [["127.0.0.1/32"], "127.0.0.2", false],
    [["127.0.0.1/32"], "::ffff:127.0.0.1", true],
    [["127.0.0.1/32"], "lab.example", true],
    [["127.0.0.1"], "127.0.0.1", true],
    [["10.0.0.0/8"], "10.200.3.4", true],
    [["10.0.0.0/8"], "192.168.0.1", false],
    [["10.0.0.0/8"], "db.internal", true],
    [["DB.Internal"], "db.internal", true],
    [["db.internal"], "DB.INTERNAL", true],
    [["db.internal"], "other.internal", false],
    [["db.internal"], "10.0.0.5", false],
    [["fd00::/8"], "fd12::1", true],
    [["fd00::/8"], "[fd00::5]", true],
    [["fd00::/8"], "fc00::1", false],
    [["fd00::/8"], "fe80::1", false],
    [["[::1]"], "::1", true],
    [["::1/128"], "127.0.0.1", false],
  ])("%j admits %s: %s", async (allowed, host, admitted) => {
    const check = new HostPolicy(allowed, { lookup: dns.lookup }).check(host);
    if (admitted) await expect(check).resolves.toMatchObject({ host: host.replace(/^\[(.*)\]$/, "$1") });
    else await refused(check, /unless ALLOWED_HOSTS admits them/);
  });

  it.each(["10.0.0.0/33", "fd00::/129", "db.internal/8", "10.0.0.0/x", "10.0.0.0/8/8"])("rejects the entry %s at startup", (entry) => {
    expect(() => new HostPolicy([entry])).toThrow(/^ALLOWED_HOSTS: .* is not a valid CIDR/);
  });
});

describe("exempt", () => {
  const policy = new HostPolicy([]);
  policy.exempt("127.0.0.1", 54329);
  it.each([
    ["127.0.0.1", 54329, true],
    ["127.0.0.1", 5432, false],
    ["127.0.0.1", undefined, false],
    ["127.0.0.2", 54329, false],
    ["localhost", 54329, false],
  ])("%s port %s admitted: %s", async (host, port, admitted) => {
    const check = policy.check(host, { port });
    if (admitted) await expect(check).resolves.toEqual({ host, address: "127.0.0.1", family: 4 });
    else await refused(check, /loopback address/);
  });
});
