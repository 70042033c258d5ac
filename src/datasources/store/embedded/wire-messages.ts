/**
 * The few PostgreSQL wire-protocol messages the embedded server writes itself, so that clients see the error
 * a PostgreSQL server would send (node-postgres turns an ErrorResponse into an error with `code` = SQLSTATE).
 */
export function errorResponse(sqlState: string, message: string, severity: "ERROR" | "FATAL" = "ERROR"): Uint8Array {
  const fields = [`S${severity}`, `V${severity}`, `C${sqlState}`, `M${message}`].map((f) => Buffer.from(f + "\0", "utf8"));
  const body = Buffer.concat([...fields, Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write("E", 0, "ascii");
  head.writeInt32BE(body.length + 4, 1);
  return new Uint8Array(Buffer.concat([head, body]));
}

/** SQLSTATEs: what PostgreSQL itself sends for the same situations. */
export const SqlState = {
  QUERY_CANCELED: "57014",
  ADMIN_SHUTDOWN: "57P01",
  CANNOT_CONNECT_NOW: "57P03",
  TOO_MANY_CONNECTIONS: "53300",
  IDLE_IN_TRANSACTION_TIMEOUT: "25P03",
} as const;
