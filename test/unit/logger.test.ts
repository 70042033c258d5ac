import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger";

describe("createLogger", () => {
  it("redacts tokens, passwords, configs and GraphQL variables wherever they are logged", () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (l: string) => void lines.push(l) });
    logger.info(
      {
        headers: { authorization: "gwt_secret-token" },
        password: "top-secret-1",
        connection: { config: { password: "top-secret-2" }, label: "kept" },
        request: { variables: { input: { config: { password: "top-secret-3" } } } },
        token: "gwt_secret-token-2",
      },
      "probe",
    );
    const text = lines.join("");
    for (const secret of ["gwt_secret-token", "top-secret-1", "top-secret-2", "top-secret-3", "gwt_secret-token-2"]) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.parse(text)).toMatchObject({ msg: "probe", connection: { label: "kept", config: "[redacted]" } });
  });
});
