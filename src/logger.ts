import pino, { type DestinationStream, type Logger } from "pino";

/** Paths pino blanks out wherever they appear: tokens, passwords and whole connection configs. */
export const REDACT_PATHS = [
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "token",
  "*.token",
  "password",
  "*.password",
  "config",
  "*.config",
  "*.*.config",
  "credentials_key",
  "*.credentials_key",
  "variables",
  "*.variables",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "connections-gateway" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
