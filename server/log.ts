import pino from "pino";
import { redactUrl } from "@/server/http/log-redaction";
import { config } from "@/server/config";

const SECRET_KEYS = ["password", "secret", "token", "authorization", "cookie", "otp", "registrationToken", "setPasswordToken"];
/** Fields that may hold a path or URL with a registration or set-password token in it. */
const URL_KEYS = ["url", "path", "href", "link", "registrationLink", "setPasswordLink", "resetLink", "location", "callbackUrl"];

/** Structured JSON logs. Secrets never go in: the redact list is a second line of defence. */
export function createLogger(destination?: pino.DestinationStream, level: string = config().LOG_LEVEL): pino.Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

function loggerOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: { service: config().LOG_SERVICE },
    redact: {
      paths: [...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]), ...URL_KEYS.flatMap((k) => [k, `*.${k}`])],
      // URL-valued fields keep their shape with tokens cut out (docs/security.md, "Logs"); secrets go whole.
      censor: (value: unknown, path: string[]) => (URL_KEYS.includes(path.at(-1) ?? "") && typeof value === "string" ? redactUrl(value) : "[redacted]"),
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export const logger = createLogger();

export type Logger = pino.Logger;
