import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { SPEC_HEADER_REASON_CODES } from "@/server/domain/g2p/codes";
import { specProblems, type G2pSpecTarget } from "../contract/g2p/published-spec";
import {
  cancelMessage,
  createTestSender,
  disburseItems,
  disburseMessage,
  expectContract,
  expectPlatformSignature,
  g2pFixture,
  g2pFootprint,
  g2pTestDb,
  inboundMessages,
  outboundCallbacks,
  postG2p,
  resign,
  searchMessage,
  signedRequest,
  type G2pFixture,
  type G2pPostPath,
  type G2pResponse,
} from "./g2p-helpers";
import { orgSnapshot } from "./helpers";

/**
 * Every refusal answers the spec's way and leaves nothing behind: no disbursement, payment,
 * receiver, receiver wallet, G2P transaction or item; only the refused message in the log
 * (NACK/ERR), which never reserves its message_id. Transport errors answer ERR with an `err.*`
 * code (HttpErrorResponse for 401/403); business refusals (`rjct.*`) answer the outcome: ACK and
 * one rjct callback (async), or the rjct answer body (sync), the code in the header when the
 * spec's MsgHeaderStatusReasonCode has it and in the items.
 */

const db = g2pTestDb();

/** Everything a request could change, minus the API keys (their last-used time moves on use). */
async function state(database: Db, orgId: string) {
  const { apiKeys: _keys, ...rest } = await orgSnapshot(database, orgId);
  void _keys;
  return { ...rest, g2p: await g2pFootprint(database, orgId) };
}

type Expected = { http: number; ack: "NACK" | "ERR"; code: string; logged?: boolean };

const isSync = (path: G2pPostPath) => path.startsWith("/disburse/sync/") || path === "/disburse/cancel";

/** The published schema of the outcome body an endpoint answers (sync) or calls back with (async). */
function outcomeSchema(path: G2pPostPath): G2pSpecTarget {
  if (path === "/disburse/cancel") return "on-cancel";
  if (path.includes("txn")) return path.includes("sync") ? "sync-txnstatus-answer" : "txnstatus-on-status";
  if (path.includes("search") || path === "/disburse/status") return path.includes("sync") ? "sync-search-answer" : "on-search";
  return path.includes("sync") ? "sync-disburse-answer" : "on-disburse";
}

/**
 * Post `body` and check the answer and that only the refused message (and, for an async business
 * refusal, its rjct callback) was added (when `logged`, the default: refusals after the API key is
 * known are logged; before it there is no organization). Returns the answer and the rjct outcome.
 */
async function expectRefused(
  fx: G2pFixture,
  path: G2pPostPath,
  body: unknown,
  expected: Expected,
  options: { key?: string | null; rawBody?: string } = {},
): Promise<G2pResponse & { outcome?: any }> {
  const before = await state(db, fx.org.id);
  const res = await postG2p(path, body, { key: options.key === undefined ? fx.writeKey : options.key, rawBody: options.rawBody });
  expect(res.status, res.text).toBe(expected.http);
  const logged = expected.logged ?? true;
  const messageId = (body as { header?: { message_id?: unknown } } | undefined)?.header?.message_id;
  const after = await state(db, fx.org.id);

  if (expected.ack === "ERR") {
    let correlationId: string | undefined;
    if ([401, 403, 500].includes(expected.http)) {
      expectContract("http-error", res.body);
      expect(res.body.errors[0].code, res.text).toBe(expected.code);
    } else {
      expectContract("ack", res.body);
      expect(res.body.message.ack_status, res.text).toBe("ERR");
      expect(res.body.message.error.code, res.text).toBe(expected.code);
      correlationId = res.body.message.correlation_id;
    }
    expect(after).toEqual({ ...before, g2p: { ...before.g2p, inboundRefused: before.g2p.inboundRefused + (logged ? 1 : 0) } });
    if (logged && typeof messageId === "string") {
      const rows = await inboundMessages(db, fx.org.id, messageId);
      expect(rows.at(-1)).toMatchObject({ status: "ERR", error_code: expected.code, ...(correlationId ? { correlation_id: correlationId } : {}) });
    }
    return res;
  }

  // A business refusal: the outcome is rjct.
  let outcome: any;
  if (isSync(path)) {
    outcome = res.body;
    expect(after).toEqual({ ...before, g2p: { ...before.g2p, inboundRefused: before.g2p.inboundRefused + 1 } });
  } else {
    expectContract("ack", res.body);
    expect(res.body.message.ack_status, res.text).toBe("ACK");
    expect(res.body.message.error).toBeUndefined();
    expect(after).toEqual({ ...before, g2p: { ...before.g2p, inboundRefused: before.g2p.inboundRefused + 1, outbound: before.g2p.outbound + 1 } });
    const callback = (await outboundCallbacks(db, fx.org.id)).at(-1)!;
    expect(callback.correlation_id).toBe(res.body.message.correlation_id);
    outcome = callback.body;
  }
  expectContract(outcomeSchema(path), outcome);
  expectPlatformSignature(outcome, fx.org.slug);
  expect(outcome.header.status).toBe("rjct");
  if (SPEC_HEADER_REASON_CODES.includes(expected.code)) expect(outcome.header.status_reason_code).toBe(expected.code);
  else {
    expect(outcome.header.status_reason_code).toBeUndefined();
    expect(outcome.header.status_reason_message).toMatch(new RegExp(`^${expected.code.replace(/\./g, "\\.")}: `));
  }
  if (typeof messageId === "string") {
    const rows = await inboundMessages(db, fx.org.id, messageId);
    expect(rows.at(-1)).toMatchObject({ status: "NACK", error_code: expected.code, correlation_id: outcome.message.correlation_id });
  }
  return { ...res, outcome };
}

const nack = (code: string): Expected => ({ http: 200, ack: "NACK", code });

afterEach(() => {
  delete process.env.G2P_MESSAGE_TS_WINDOW_SECONDS;
});

describe("G2P refusals: transport", () => {
  it("refuses a signature made with another key, or over another message (err.signature.invalid)", async () => {
    const fx = await g2pFixture(db);
    const otherKey = generateKeyPairSync("ed25519").privateKey;
    const forged = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(2)), { privateKey: otherKey });
    await expectRefused(fx, "/disburse", forged, { http: 401, ack: "ERR", code: "err.signature.invalid" });

    const tampered = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(2)));
    (tampered.message.disbursements as { amount: string }[])[0]!.amount = "9999";
    await expectRefused(fx, "/disburse", tampered, { http: 401, ack: "ERR", code: "err.signature.invalid" });

    const otherSenderKeyId = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)), { keyIdSender: "someone-else" });
    await expectRefused(fx, "/disburse", otherSenderKeyId, { http: 401, ack: "ERR", code: "err.signature.invalid" });

    const expired = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)), { signedAt: new Date(Date.now() - 3 * 3600_000) });
    await expectRefused(fx, "/disburse", expired, { http: 401, ack: "ERR", code: "err.signature.invalid" });
  });

  it("refuses an unsigned message (err.signature.missing)", async () => {
    const fx = await g2pFixture(db);
    const body = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)), { privateKey: null });
    await expectRefused(fx, "/disburse", body, { http: 401, ack: "ERR", code: "err.signature.missing" });
  });

  it("refuses unknown, disabled and other organizations' senders (err.sender_id.invalid)", async () => {
    const fx = await g2pFixture(db);
    const unknown = signedRequest({ ...fx.sender, senderId: "no-such-sender" }, "disburse", disburseMessage(disburseItems(1)));
    await expectRefused(fx, "/disburse", unknown, { http: 403, ack: "ERR", code: "err.sender_id.invalid" });
    const [row] = await inboundMessages(db, fx.org.id, unknown.header.message_id as string);
    expect(row).toMatchObject({ sender_row_id: null, sender_id: "no-such-sender" });

    const disabled = await createTestSender(db, fx.org.id, { walletId: fx.catalog.wallet.id, defaultAssetId: fx.catalog.usdc.id, enabled: false });
    await expectRefused(fx, "/disburse", signedRequest(disabled, "disburse", disburseMessage(disburseItems(1))), {
      http: 403,
      ack: "ERR",
      code: "err.sender_id.invalid",
    });

    const other = await g2pFixture(db);
    const before = await state(db, other.org.id);
    await expectRefused(fx, "/disburse", signedRequest(other.sender, "disburse", disburseMessage(disburseItems(1))), {
      http: 403,
      ack: "ERR",
      code: "err.sender_id.invalid",
    });
    expect(await state(db, other.org.id)).toEqual(before);
  });

  it("refuses a missing or unknown API key (401) and a key without the endpoint's scope (403)", async () => {
    const fx = await g2pFixture(db);
    const body = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)));
    await expectRefused(fx, "/disburse", body, { http: 401, ack: "ERR", code: "err.request.unauthorized", logged: false }, { key: null });
    await expectRefused(fx, "/disburse", body, { http: 401, ack: "ERR", code: "err.request.unauthorized", logged: false }, { key: "sdp_live_nope" });
    await expectRefused(fx, "/disburse", body, { http: 403, ack: "ERR", code: "err.request.forbidden" }, { key: fx.readKey });
    await expectRefused(
      fx,
      "/disburse/cancel",
      signedRequest(fx.sender, "cancel", cancelMessage("t-1")),
      { http: 403, ack: "ERR", code: "err.request.forbidden" },
      { key: fx.readKey },
    );
  });

  it("refuses a foreign receiver_id, a sender_uri off the registered origin, encryption and another major version", async () => {
    const fx = await g2pFixture(db, { callbackUrl: "https://sp.example.org/g2p" });
    const msg = () => disburseMessage(disburseItems(1));
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { receiver_id: "someone-else" } }), {
      http: 403,
      ack: "ERR",
      code: "err.receiver_id.invalid",
    });
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { sender_uri: "https://attacker.example.com/g2p" } }), {
      http: 403,
      ack: "ERR",
      code: "err.sender_uri.invalid",
    });
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { is_msg_encrypted: true } }), {
      http: 400,
      ack: "ERR",
      code: "err.encryption.invalid",
    });
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { version: "2.0.0" } }), {
      http: 400,
      ack: "ERR",
      code: "err.version.not_supported",
    });

    // Our own receiver id and a sender_uri on the registered origin pass.
    const ok = signedRequest(fx.sender, "disburse", msg(), { header: { receiver_id: fx.org.slug, sender_uri: "https://sp.example.org/other/path" } });
    expectContract("disburse-request", ok);
    const res = await postG2p("/disburse", ok, { key: fx.writeKey });
    expect(res.body.message.ack_status, res.text).toBe("ACK");
  });

  it("refuses bodies that are not G2P messages (err.request.bad)", async () => {
    const fx = await g2pFixture(db);
    await expectRefused(fx, "/disburse", undefined, { http: 400, ack: "ERR", code: "err.request.bad", logged: false }, { rawBody: "{not json" });
    const noMessageId = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)), { header: { message_id: undefined } });
    const res = await expectRefused(fx, "/disburse", noMessageId, { http: 400, ack: "ERR", code: "err.request.bad", logged: false });
    expect(res.body.message.error.message).toContain("header.message_id");
    const noItems = signedRequest(fx.sender, "disburse", { transaction_id: "t-1" });
    const res2 = await expectRefused(fx, "/disburse", noItems, { http: 400, ack: "ERR", code: "err.request.bad" });
    expect(res2.body.message.error.message).toContain("message.disbursements");
    // total_count is a required header field in the spec's MsgHeader.
    const noCount = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)), { header: { total_count: undefined } });
    const res3 = await expectRefused(fx, "/disburse", noCount, { http: 400, ack: "ERR", code: "err.request.bad", logged: false });
    expect(res3.body.message.error.message).toContain("header.total_count");
    // A locale that is not ISO 639-3 (the spec's LanguageCode pattern).
    const items = disburseItems(1);
    items[0]!.locale = "en";
    const res4 = await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", disburseMessage(items)), { http: 400, ack: "ERR", code: "err.request.bad" });
    expect(res4.body.message.error.message).toContain("message.disbursements.0.locale");
  });
});

describe("G2P refusals: header rules", () => {
  it("refuses a replayed message_id (rjct.message_id.duplicate) and changes nothing", async () => {
    const fx = await g2pFixture(db);
    const body = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(2)));
    const first = await postG2p("/disburse", body, { key: fx.writeKey });
    expect(first.body.message.ack_status, first.text).toBe("ACK");
    await expectRefused(fx, "/disburse", body, nack("rjct.message_id.duplicate"));
    // The same message_id for another endpoint is a replay too.
    const search = resign(fx.sender, {
      ...signedRequest(fx.sender, "search", searchMessage([{ type: "reference_id", value: "x" }])),
      header: { ...body.header, action: "search", total_count: 1 },
    });
    await expectRefused(fx, "/disburse/sync/search", search, nack("rjct.message_id.duplicate"));
    const rows = await inboundMessages(db, fx.org.id, body.header.message_id as string);
    expect(rows.map((r) => r.status)).toEqual(["ACK", "NACK", "NACK"]);
  });

  it("accepts a message only once when the same message_id arrives twice at the same moment", async () => {
    const fx = await g2pFixture(db);
    const body = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(3)));
    const answers = await Promise.all([postG2p("/disburse", body, { key: fx.writeKey }), postG2p("/disburse", body, { key: fx.writeKey })]);
    for (const a of answers) expectContract("ack", a.body);
    // Both are acknowledged; one callback is the items (rcvd), the other the refusal of the replay.
    expect(answers.map((a) => a.body.message.ack_status)).toEqual(["ACK", "ACK"]);
    const footprint = await g2pFootprint(db, fx.org.id);
    expect(footprint).toMatchObject({ g2pItems: 3, payments: 3, outbound: 2, inboundAck: 1, inboundRefused: 1 });
    const callbacks = await outboundCallbacks(db, fx.org.id);
    expect(callbacks.map((c) => c.body.header.status).sort()).toEqual(["rcvd", "rjct"]);
    expect(callbacks.find((c) => c.body.header.status === "rjct")!.body.header.status_reason_code).toBe("rjct.message_id.duplicate");
  });

  it("lets a refused message_id be sent again once corrected (a refusal reserves nothing)", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(2);
    const wrongCount = signedRequest(fx.sender, "disburse", disburseMessage(items), { header: { total_count: 5 } });
    await expectRefused(fx, "/disburse", wrongCount, nack("rjct.total_count.invalid"));
    const fixed = resign(fx.sender, { ...wrongCount, header: { ...wrongCount.header, total_count: 2 } });
    const res = await postG2p("/disburse", fixed, { key: fx.writeKey });
    expect(res.body.message.ack_status, res.text).toBe("ACK");
  });

  it("refuses a message_ts outside the window (rjct.message_ts.invalid), configurable", async () => {
    const fx = await g2pFixture(db);
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const msg = () => disburseMessage(disburseItems(1));
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { message_ts: at(-10 * 60_000) } }), nack("rjct.message_ts.invalid"));
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { message_ts: at(10 * 60_000) } }), nack("rjct.message_ts.invalid"));

    process.env.G2P_MESSAGE_TS_WINDOW_SECONDS = "30";
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { message_ts: at(-60_000) } }), nack("rjct.message_ts.invalid"));
    process.env.G2P_MESSAGE_TS_WINDOW_SECONDS = "120";
    const inside = await postG2p("/disburse", signedRequest(fx.sender, "disburse", msg(), { header: { message_ts: at(-60_000) } }), { key: fx.writeKey });
    expect(inside.body.message.ack_status, inside.text).toBe("ACK");
  });

  it("refuses an action the endpoint does not take (rjct.action.not_supported)", async () => {
    const fx = await g2pFixture(db);
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "search", disburseMessage(disburseItems(1))), nack("rjct.action.not_supported"));
    await expectRefused(
      fx,
      "/disburse/sync/search",
      signedRequest(fx.sender, "disburse", searchMessage([{ type: "reference_id", value: "r" }])),
      nack("rjct.action.not_supported"),
    );
  });

  it("refuses a total_count that is not the number of items (rjct.total_count.invalid)", async () => {
    const fx = await g2pFixture(db);
    await expectRefused(
      fx,
      "/disburse",
      signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(3)), { header: { total_count: 2 } }),
      nack("rjct.total_count.invalid"),
    );
    await expectRefused(
      fx,
      "/disburse/sync/disburse",
      signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)), { header: { total_count: 0 } }),
      nack("rjct.total_count.invalid"),
    );
  });
});

describe("G2P refusals: items", () => {
  it("refuses a reference_id repeated within one message (rjct.reference_id.duplicate)", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(3);
    items[2]!.reference_id = items[0]!.reference_id;
    const res = await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", disburseMessage(items)), nack("rjct.reference_id.duplicate"));
    expect(res.outcome.header.status_reason_message).toContain(`disbursements[2] (reference_id ${items[0]!.reference_id})`);
    expect(res.outcome.message.disbursements_status[2]).toMatchObject({ status: "rjct", status_reason_code: "rjct.reference_id.duplicate" });
  });

  it("refuses a reference_id sent again with other values or in another transaction (rjct.reference_id.duplicate)", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(2);
    const message = disburseMessage(items);
    const first = await postG2p("/disburse", signedRequest(fx.sender, "disburse", message), { key: fx.writeKey });
    expect(first.body.message.ack_status, first.text).toBe("ACK");

    const changed = disburseMessage([{ ...items[0]!, amount: "99.00" }], { transactionId: message.transaction_id as string });
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", changed), nack("rjct.reference_id.duplicate"));
    const elsewhere = disburseMessage([items[1]!]);
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", elsewhere), nack("rjct.reference_id.duplicate"));
    // The synchronous variant answers the on-disburse body, rjct with the item's own code.
    const before = await state(db, fx.org.id);
    const sync = await postG2p("/disburse/sync/disburse", signedRequest(fx.sender, "disburse", elsewhere), { key: fx.writeKey });
    expect(sync.status, sync.text).toBe(200);
    expectContract("sync-disburse-answer", sync.body);
    // The header's status_reason_code takes only the spec's header codes: the item code leads its message.
    expect(sync.body.header).toMatchObject({ status: "rjct", status_reason_message: expect.stringMatching(/^rjct\.reference_id\.duplicate: /) });
    expect(sync.body.header.status_reason_code).toBeUndefined();
    expect(sync.body.message.disbursements_status[0]).toMatchObject({
      reference_id: items[1]!.reference_id,
      status: "rjct",
      status_reason_code: "rjct.reference_id.duplicate",
    });
    expect(await state(db, fx.org.id)).toEqual({ ...before, g2p: { ...before.g2p, inboundRefused: before.g2p.inboundRefused + 1 } });
  });

  // The spec's Amount pattern (^\d{1,13}\.\d{1,2}$) refuses all but "0.00", which this platform
  // refuses as not above zero.
  it.each([
    ["12.345678901", true],
    ["1.234", true],
    ["10", true],
    ["0", true],
    ["0.00", false],
    ["abc", true],
    ["-5", true],
    ["1e5", true],
    ["", true],
  ])("refuses the malformed amount %j (rjct.amount.invalid)", async (amount, specRefuses) => {
    const fx = await g2pFixture(db);
    const items = disburseItems(3);
    items[1]!.amount = amount;
    const body = signedRequest(fx.sender, "disburse", disburseMessage(items));
    expect(specProblems("disburse-request", body).length > 0, "the published schema's verdict").toBe(specRefuses);
    const res = await expectRefused(fx, "/disburse", body, nack("rjct.amount.invalid"));
    expect(res.outcome.header.status_reason_message).toContain(`disbursements[1] (reference_id ${items[1]!.reference_id}): rjct.amount.invalid`);
    expect(res.outcome.message.disbursements_status.map((d: { status_reason_code?: string }) => d.status_reason_code)).toEqual([
      undefined,
      "rjct.amount.invalid",
      undefined,
    ]);
    // A value breaking the spec's pattern is not echoed: the answer keeps to the spec's patterns.
    expect(res.outcome.message.disbursements_status[1].amount).toBe(specRefuses ? undefined : amount);
  });

  it("refuses an unknown currency (rjct.currency_code.invalid)", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(2, { currency: "XYZ" });
    await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", disburseMessage(items)), nack("rjct.currency_code.invalid"));
    // An asset code is not an ISO 4217 currency code (the spec's CurrencyCode is three letters).
    const asset = await expectRefused(
      fx,
      "/disburse",
      signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1, { currency: "USDC" }))),
      nack("rjct.currency_code.invalid"),
    );
    expect(asset.outcome.message.disbursements_status[0].currency_code).toBeUndefined();
    // A known currency for the first request, then another one the organization lacks.
    const ok = disburseMessage(disburseItems(1));
    expect((await postG2p("/disburse", signedRequest(fx.sender, "disburse", ok), { key: fx.writeKey })).body.message.ack_status).toBe("ACK");
    await expectRefused(
      fx,
      "/disburse",
      signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1, { currency: "EUR" }), { transactionId: ok.transaction_id as string })),
      nack("rjct.currency_code.invalid"),
    );
  });

  it("refuses one bad item among many: none of the message's items is kept", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(50);
    items[37]!.payee_fa = "stellar:not-an-address";
    const res = await expectRefused(fx, "/disburse", signedRequest(fx.sender, "disburse", disburseMessage(items)), nack("rjct.payee_fa.invalid"));
    expect(res.outcome.header.status_reason_message).toContain("disbursements[37]");
    expect(res.outcome.message.disbursements_status).toHaveLength(50);
    expect(res.outcome.message.disbursements_status[37]).toMatchObject({ status: "rjct", status_reason_code: "rjct.payee_fa.invalid" });
  });
});

describe("G2P refusals: cancellation", () => {
  it("refuses cancelling after the schedule date (rjct.schedule_ts.invalid), whole envelope or one item", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(2);
    const message = disburseMessage(items, {
      envelope: { number_of_disbursements: 3, total_disbursement_amount: "10", disbursement_schedule_date: new Date(Date.now() - 60_000).toISOString() },
    });
    const accepted = await postG2p("/disburse", signedRequest(fx.sender, "disburse", message), { key: fx.writeKey });
    expect(accepted.body.message.ack_status, accepted.text).toBe("ACK");
    const transactionId = message.transaction_id as string;

    await expectRefused(fx, "/disburse/cancel", signedRequest(fx.sender, "cancel", cancelMessage(transactionId)), nack("rjct.schedule_ts.invalid"));
    await expectRefused(
      fx,
      "/disburse/cancel",
      signedRequest(fx.sender, "cancel", cancelMessage(transactionId, [items[1]!.reference_id])),
      nack("rjct.schedule_ts.invalid"),
    );
  });

  it("refuses cancelling an unknown transaction or reference id", async () => {
    const fx = await g2pFixture(db);
    await expectRefused(fx, "/disburse/cancel", signedRequest(fx.sender, "cancel", cancelMessage("no-such-txn")), nack("rjct.transaction_id.not_found"));
    const message = disburseMessage(disburseItems(1), {
      envelope: { number_of_disbursements: 2, total_disbursement_amount: "5", disbursement_schedule_date: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect((await postG2p("/disburse", signedRequest(fx.sender, "disburse", message), { key: fx.writeKey })).body.message.ack_status).toBe("ACK");
    await expectRefused(
      fx,
      "/disburse/cancel",
      signedRequest(fx.sender, "cancel", cancelMessage(message.transaction_id as string, ["nope"])),
      nack("rjct.reference_id.not_found"),
    );
  });
});
