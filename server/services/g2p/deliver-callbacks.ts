import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { logger } from "@/server/log";
import { guardedRequest, OutboundError, staffSnippet, type GuardOptions } from "@/server/net/guarded-fetch";
import { configFrom, type ConfigSource } from "@/server/config";
import { httpSignatureHeaders } from "./g2p-answers";

/**
 * The callback outbox (g2p_messages, direction outbound): POST each due PENDING callback to the URL
 * stored on its row until the receiver acknowledges it, with exponential backoff between attempts,
 * and give up (FAILED) after the last one. Any number of workers may run this at once: a row is
 * claimed under `FOR UPDATE SKIP LOCKED` by pushing its `next_attempt_at` past a lease, so no other
 * worker sees it as due while the POST is in flight (which happens outside the transaction).
 */

export type CallbackDeliveryConfig = {
  /** Per-POST timeout (G2P_CALLBACK_TIMEOUT_MS, default 10 s). */
  timeoutMs: number;
  /** Attempts before FAILED (G2P_CALLBACK_MAX_ATTEMPTS, default 12). */
  maxAttempts: number;
  /** First retry delay, doubled each attempt (G2P_CALLBACK_BACKOFF_MS, default 1 s). */
  backoffMs: number;
  /** Longest retry delay (G2P_CALLBACK_BACKOFF_MAX_MS, default 5 min). */
  backoffMaxMs: number;
  /** POSTs in flight at once per call. */
  concurrency: number;
};

export function callbackDeliveryConfig(env?: ConfigSource): CallbackDeliveryConfig {
  const c = configFrom(env);
  return {
    timeoutMs: c.G2P_CALLBACK_TIMEOUT_MS,
    maxAttempts: c.G2P_CALLBACK_MAX_ATTEMPTS,
    backoffMs: c.G2P_CALLBACK_BACKOFF_MS,
    backoffMaxMs: c.G2P_CALLBACK_BACKOFF_MAX_MS,
    concurrency: c.G2P_CALLBACK_CONCURRENCY,
  };
}

/** Delay before the attempt after `attempts` failed ones: backoff, 2×, 4× … capped. */
export function retryDelayMs(attempts: number, config: Pick<CallbackDeliveryConfig, "backoffMs" | "backoffMaxMs">): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(config.backoffMs * 2 ** exp, config.backoffMaxMs);
}

export type AttemptOutcome = { ok: true; httpStatus: number } | { ok: false; httpStatus: number | null; code: string; message: string };

/**
 * Whether an answer acknowledges the callback: HTTP 2xx and either an empty body or a G2P
 * acknowledgement with `message.ack_status` ACK (v1.0.0) or `message.ack.status` ACK (2023-03). A 2xx NACK/ERR is a refusal and is retried.
 * What is kept of the answer for staff is cut to a few hundred bytes (staffSnippet).
 */
export function judgeCallbackAnswer(httpStatus: number, text: string): AttemptOutcome {
  if (httpStatus < 200 || httpStatus > 299) {
    return { ok: false, httpStatus, code: `http_${httpStatus}`, message: staffSnippet(`HTTP ${httpStatus}${text ? `: ${text}` : ""}`) };
  }
  if (text.trim() === "") return { ok: true, httpStatus };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, httpStatus, code: "answer_invalid", message: "the answer is not JSON" };
  }
  const message = (parsed as { message?: { ack_status?: unknown; ack?: { status?: unknown }; error?: { code?: unknown; message?: unknown } } } | null)?.message;
  if (message?.ack_status === "ACK") return { ok: true, httpStatus };
  // A receiver of the 2023-03 revision's callbacks acknowledges with its `{message: {ack: {status}}}`.
  if (message?.ack?.status === "ACK") return { ok: true, httpStatus };
  const ack = typeof message?.ack_status === "string" ? message.ack_status : "none";
  const code = typeof message?.error?.code === "string" ? message.error.code : `ack_${ack.toLowerCase()}`;
  const why = typeof message?.error?.message === "string" ? `: ${message.error.message}` : "";
  return { ok: false, httpStatus, code: staffSnippet(code, 100), message: staffSnippet(`the receiver answered ack_status ${ack}${why}`) };
}

type Claimed = { id: string; org_id: string; url: string | null; body: unknown; attempts: number };

export type DeliverOptions = {
  limit?: number;
  now?: Date;
  /** The outbound guard's settings (default: OUTBOUND_ALLOW_HOSTS, https only in production). */
  guard?: GuardOptions;
  config?: Partial<CallbackDeliveryConfig>;
  /** Only these organizations' callbacks (default: all). */
  orgIds?: string[] | null;
  log?: Pick<typeof logger, "info" | "warn">;
};

export type DeliverResult = { claimed: number; delivered: number; retrying: number; failed: number };

/**
 * Claim up to `limit` due callbacks, POST them, record each attempt on its row. Returns counts; a
 * result with `claimed === limit` means more may be due right away.
 */
export async function deliverDueCallbacks(db: Db, options: DeliverOptions = {}): Promise<DeliverResult> {
  const config = { ...callbackDeliveryConfig(), ...options.config };
  const limit = Math.max(1, options.limit ?? 50);
  const now = options.now ?? new Date();
  const log = options.log ?? logger;
  // The lease outlasts the POST's timeout, so a slow answer is never overtaken by another worker;
  // if this process dies mid-POST the row is due again when the lease runs out.
  const leaseUntil = new Date(now.getTime() + config.timeoutMs + 30_000);

  const orgFilter = options.orgIds?.length
    ? sql`and m.org_id in (${sql.join(
        options.orgIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql``;

  const claimed = await db.transaction(async (tx) => {
    // In order per transaction and URL: a callback waits while an older one for the same
    // transaction is still pending, so a sender never sees `succ` before the `pdng` it replaces.
    const rows = (await tx.execute(sql`
      select m.id, m.org_id, m.url, m.body, m.attempts
      from g2p_messages m
      where m.direction = 'outbound' and m.status = 'PENDING'
        and (m.next_attempt_at is null or m.next_attempt_at <= ${now.toISOString()}::timestamptz)
        ${orgFilter}
        and not exists (
          select 1 from g2p_messages o
          where o.direction = 'outbound' and o.status = 'PENDING' and o.org_id = m.org_id
            and o.transaction_id = m.transaction_id and o.url = m.url
            and (o.created_at, o.id) < (m.created_at, m.id))
      order by m.next_attempt_at asc nulls first, m.created_at asc
      limit ${limit}
      for update skip locked`)) as unknown as Claimed[];
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    // The attempt is counted when it is claimed: a crash mid-POST still uses one up.
    await tx.execute(sql`
      update g2p_messages
      set next_attempt_at = ${leaseUntil.toISOString()}::timestamptz, attempts = attempts + 1, last_attempt_at = ${now.toISOString()}::timestamptz
      where id in (${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`);
    return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
  });

  const result: DeliverResult = { claimed: claimed.length, delivered: 0, retrying: 0, failed: 0 };
  let next = 0;
  const lane = async () => {
    while (next < claimed.length) {
      const row = claimed[next++]!;
      const outcome = await post(row, config.timeoutMs, options.guard);
      // Backoff counts from the answer (a fake `now` stands still, for tests).
      const state = await record(db, row, outcome, options.now ?? new Date(), config);
      result[state]++;
      const fields = {
        event: "g2p.callback.attempt",
        message_row_id: row.id,
        org_id: row.org_id,
        url: row.url,
        attempt: row.attempts,
        http_status: outcome.httpStatus,
        outcome: state,
        ...(outcome.ok ? {} : { error_code: outcome.code, error: outcome.message }),
      };
      if (state === "failed") log.warn(fields, "callback given up after the last attempt");
      else log.info(fields, state === "delivered" ? "callback delivered" : "callback attempt failed; will retry");
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, claimed.length) }, () => lane()));
  return result;
}

/** Bytes of a callback answer read at most: an acknowledgement is small. */
const ANSWER_MAX_BYTES = 64 * 1024;

/**
 * The HTTP `Signature` and `Digest` headers of a callback: the stored body is signed in its
 * `signature` already; the header signs the exact bytes sent (docs/g2p-connect.md#signatures).
 */
function callbackSignatureHeaders(text: string, body: unknown): Record<string, string> {
  const sender = (body as { header?: { sender_id?: unknown } } | null)?.header?.sender_id;
  return typeof sender === "string" ? httpSignatureHeaders(text, sender) : {};
}

async function post(row: Claimed, timeoutMs: number, guard: GuardOptions | undefined): Promise<AttemptOutcome> {
  if (!row.url || !/^https?:\/\//i.test(row.url)) return { ok: false, httpStatus: null, code: "url_invalid", message: "the callback has no http(s) URL" };
  const text = JSON.stringify(row.body);
  try {
    // The guarded client (server/net/guarded-fetch.ts) refuses non-public destinations before
    // connecting and never follows a redirect: the signed body goes only to the stored URL.
    const res = await guardedRequest(row.url, {
      ...guard,
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...callbackSignatureHeaders(text, row.body) },
      body: text,
      timeoutMs,
      maxResponseBytes: ANSWER_MAX_BYTES,
    });
    return judgeCallbackAnswer(res.status, res.body.toString("utf8"));
  } catch (error) {
    if (error instanceof OutboundError) {
      const code = error.code === "dns_failed" ? "network_error" : error.code;
      return { ok: false, httpStatus: null, code, message: staffSnippet(error.message) };
    }
    return { ok: false, httpStatus: null, code: "network_error", message: staffSnippet(String((error as Error)?.message ?? error)) };
  }
}

async function record(db: Db, row: Claimed, outcome: AttemptOutcome, answeredAt: Date, config: CallbackDeliveryConfig): Promise<"delivered" | "retrying" | "failed"> {
  // `attempts` guards against writing over a later attempt (should a lease ever have run out).
  const guard = sql`id = ${row.id}::uuid and status = 'PENDING' and attempts = ${row.attempts}`;
  if (outcome.ok) {
    await db.execute(sql`
      update g2p_messages
      set status = 'DELIVERED', delivered_at = now(), next_attempt_at = null, last_http_status = ${outcome.httpStatus},
          error_code = null, error_message = null
      where ${guard}`);
    return "delivered";
  }
  const finalAttempt = row.attempts >= config.maxAttempts;
  const nextAt = finalAttempt ? null : new Date(answeredAt.getTime() + retryDelayMs(row.attempts, config)).toISOString();
  await db.execute(sql`
    update g2p_messages
    set status = ${finalAttempt ? "FAILED" : "PENDING"}, next_attempt_at = ${nextAt}::timestamptz,
        last_http_status = ${outcome.httpStatus}, error_code = ${outcome.code}, error_message = ${outcome.message}
    where ${guard}`);
  return finalAttempt ? "failed" : "retrying";
}
