import pino from "pino";

/** Structured JSON logs. Secrets never go in: the redact list is a second line of defence. */
export const logger = pino({
  level: process.env.LOG_LEVEL || "info",
  base: { service: process.env.LOG_SERVICE || "web" },
  redact: {
    paths: ["password", "*.password", "secret", "*.secret", "token", "*.token", "authorization", "*.authorization"],
    censor: "[redacted]",
  },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = pino.Logger;
