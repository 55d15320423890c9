import pino from "pino";
import { redactUrl } from "@/server/http/log-redaction";
import { config } from "@/server/config";

const SECRET_KEYS = ["password", "secret", "token", "authorization", "cookie", "otp", "registrationToken", "setPasswordToken"];
/** Fields that may hold a path or URL with a registration or set-password token in it. */
const URL_KEYS = ["url", "path", "href", "link", "registrationLink", "setPasswordLink", "resetLink", "location", "callbackUrl"];

/** Structured JSON logs. Secrets never go in: the redact list is a second line of defence. */
export function createLogger(destination?: pino.DestinationStream, level: string = config().LOG_LEVEL): pino.Logger {
  return pino(loggerOptions(level), destination ?? stdout());
}

/**
 * Standard output, buffered (docs/performance/pages.md, "Logging"). A line per request written on
 * its own costs a system call (or, through pino's default destination, a thread-pool round trip)
 * each: 0.15–0.3 ms per line under load, two or three lines per request. Lines are gathered and
 * written together once 3 KB are waiting, and at least every 200 ms, so a quiet server's lines still
 * show at once; whatever is waiting is written synchronously when the process exits (pino's exit
 * hook). Each write stays within 4 KB, whole lines only: a pipe writes that much atomically, so
 * lines from the several bundles of one process (and Next.js's own output) never interleave.
 * One buffer per process, shared by every bundle through globalThis.
 */
const STDOUT = Symbol.for("disbursements.log-stdout");
function stdout(): pino.DestinationStream {
  const holder = globalThis as { [STDOUT]?: pino.DestinationStream };
  return (holder[STDOUT] ??= pino.destination({ dest: 1, sync: false, minLength: 3072, maxWrite: 4096, periodicFlush: 200 }));
}

/** Writes one ready-made JSON log line (ending in a newline) through the same buffer as the logger. */
export function writeLogLine(line: string): void {
  stdout().write(line);
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
