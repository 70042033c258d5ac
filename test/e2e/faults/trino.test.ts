import { afterAll, beforeAll, expect, it } from "vitest";
import { createScratchDatabase, randomKeyRing } from "../../support/databases";
import { chinookConnection } from "../../support/datasets";
import { apiClient, freePort, PrivateTrino, servedGateway } from "../../support/faults";
import type { Served } from "../../support/processes";
import { describeWith } from "../../support/services";

/**
 * Trino dies under a gateway in federated mode (a node of this file's own, SIGKILLed) and is started again:
 * scans fail fast with UPSTREAM_UNAVAILABLE, /readyz says why, the gateway stays up and keeps its metadata,
 * and once Trino is back (with none of its in-memory catalogs) scans work again without anyone's help.
 */
describeWith("trino", "fault: Trino stops", () => {
  describeWith("postgres", "gateway process in federated mode", (pgBase) => {
    let store: Awaited<ReturnType<typeof createScratchDatabase>>;
    let trino: PrivateTrino;
    let gateway: Served;
    let api: ReturnType<typeof apiClient>;

    beforeAll(async () => {
      trino = new PrivateTrino(await freePort());
      await trino.start();
      store = await createScratchDatabase(pgBase);
      const started = await servedGateway({
        DATABASE_URL: store.url,
        TRINO_URL: trino.url,
        ENCRYPTION_KEYS: randomKeyRing(),
        ALLOWED_HOSTS: "127.0.0.1/32",
        LOG_LEVEL: "info",
      });
      gateway = started.served;
      api = apiClient(() => gateway.url, started.token);
    }, 300_000);

    afterAll(async () => {
      await gateway?.stop("SIGKILL");
      await trino?.stop();
      await store?.drop();
    }, 60_000);

    it("says at once that Trino runs when trino:start is run again (the server holds no start lock)", async () => {
      expect((await trino.startAgain()).ms).toBeLessThan(10_000);
    });

    const scan = (id: string) => api("POST", `/v2/connection/${id}/scan`, { query: "SELECT name FROM genre ORDER BY genre_id" });
    const pgSource = (label: string) => chinookConnection(label, "postgres", pgBase);

    it("answers UPSTREAM_UNAVAILABLE fast while Trino is down, reports it, and recovers when it returns", async () => {
      const before = (await api("POST", "/v2/connection", pgSource("made before Trino stopped"))).body.data.id as string;
      expect((await scan(before)).body.data.rows[0]).toEqual({ name: "Rock" });
      expect((await api("GET", "/readyz")).body.checks.trino).toBe("ok");

      trino.kill();
      for (const call of [() => scan(before), () => api("GET", `/v2/connection/${before}/schema?refresh=true`)]) {
        const res = await call();
        expect(res.status).toBe(503);
        expect(res.body.errors[0].code).toBe("UPSTREAM_UNAVAILABLE");
        expect(res.ms).toBeLessThan(2_000);
      }
      const ready = await api("GET", "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toMatchObject({ trino: "failing: unreachable", store: "ok" });
      expect((await api("GET", "/healthz")).status).toBe(200);
      // The gateway's own data does not depend on Trino.
      const during = await api("POST", "/v2/connection", pgSource("made while Trino was down"));
      expect(during.status).toBe(201);

      await trino.start();
      expect((await api("GET", "/readyz")).status).toBe(200);
      // Trino came back without its catalogs: the gateway re-creates them on first use.
      expect((await scan(before)).body.data.rows[0]).toEqual({ name: "Rock" });
      expect((await scan(during.body.data.id)).body.data.rows[0]).toEqual({ name: "Rock" });
      expect((await api("GET", `/v2/connection/${before}`)).body.data.label).toBe("made before Trino stopped");
    }, 300_000);
  });
});
