import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { g2pItems } from "@/db/schema";
import { contractProblems } from "../contract/g2p/contract";
import {
  cancelMessage,
  disburseItems,
  disburseMessage,
  expectContract,
  expectPlatformSignature,
  g2pFixture,
  g2pTestDb,
  getG2pStatus,
  inboundMessages,
  outboundCallbacks,
  postG2p,
  searchMessage,
  signedRequest,
  stellarPayee,
  txnStatusMessage,
  type G2pFixture,
} from "./g2p-helpers";

/**
 * The G2P Connect contract (JSON Schemas in tests/contract/g2p written from the spec's fields):
 * every request these tests send is valid (so what we accept is the spec's), and every answer,
 * synchronous body and stored callback we produce is valid and signed with the platform key.
 */

const db = g2pTestDb();

type Body = ReturnType<typeof signedRequest>;

/** Send a request after checking it against its contract. */
async function send(fx: G2pFixture, path: Parameters<typeof postG2p>[0], body: Body, key = fx.writeKey) {
  const contract = path.includes("cancel")
    ? "cancel-request"
    : path.includes("txn")
      ? "txnstatus-request"
      : path.includes("search") || path === "/disburse/status"
        ? "search-request"
        : "disburse-request";
  expectContract(contract, body);
  return postG2p(path, body, { key });
}

async function disburse(fx: G2pFixture, message: Record<string, unknown>) {
  const body = signedRequest(fx.sender, "disburse", message);
  const res = await send(fx, "/disburse", body);
  expect(res.status, res.text).toBe(200);
  expectContract("ack", res.body);
  expect(res.body.message.ack_status, res.text).toBe("ACK");
  return { body, res };
}

describe("G2P contract: disburse", () => {
  it("ACKs /disburse and stores a signed on-disburse callback holding every item", async () => {
    const fx = await g2pFixture(db, { callbackUrl: "http://127.0.0.1:9/g2p/" });
    const items = disburseItems(3);
    const { body, res } = await disburse(fx, disburseMessage(items));
    const correlationId = res.body.message.correlation_id;

    const [inbound] = await inboundMessages(db, fx.org.id, body.header.message_id as string);
    expect(inbound).toMatchObject({ status: "ACK", endpoint: "/disburse", correlation_id: correlationId, item_count: 3, sender_row_id: fx.sender.row.id });

    const callbacks = await outboundCallbacks(db, fx.org.id);
    expect(callbacks).toHaveLength(1);
    const cb = callbacks[0]!;
    expect(cb).toMatchObject({
      endpoint: "/on-disburse",
      action: "on-disburse",
      status: "PENDING",
      url: "http://127.0.0.1:9/g2p/on-disburse",
      correlation_id: correlationId,
      item_count: 3,
    });
    expectContract("on-disburse", cb.body);
    expectPlatformSignature(cb.body, fx.org.slug);
    expect(cb.body.header).toMatchObject({ receiver_id: fx.sender.senderId, status: "rcvd", total_count: 3, completed_count: 0 });
    expect(cb.body.message.correlation_id).toBe(correlationId);
    expect(cb.body.message.transaction_id).toBe((body.message as { transaction_id: string }).transaction_id);
    expect(
      cb.body.message.disbursements_status.map((d: { reference_id: string; status: string; amount: string; payee_fa: string }) => [
        d.reference_id,
        d.status,
        d.amount,
        d.payee_fa,
      ]),
    ).toEqual(items.map((i) => [i.reference_id, "rcvd", i.amount, i.payee_fa]));

    // What the callback reported is recorded, so the change reporter does not send it again.
    const reported = await db.select({ status: g2pItems.reportedStatus, at: g2pItems.reportedAt }).from(g2pItems).where(eq(g2pItems.senderRowId, fx.sender.row.id));
    expect(reported).toHaveLength(3);
    for (const r of reported) {
      expect(r.status).toBe("rcvd");
      expect(r.at).toBeInstanceOf(Date);
    }
  });

  it("answers /disburse/sync/disburse with the on-disburse body and, repeated with a new message_id, changes nothing", async () => {
    const fx = await g2pFixture(db);
    const message = disburseMessage(disburseItems(2));
    const first = await send(fx, "/disburse/sync/disburse", signedRequest(fx.sender, "disburse", message));
    expect(first.status, first.text).toBe(200);
    expectContract("on-disburse", first.body);
    expectPlatformSignature(first.body, fx.org.slug);
    expect(first.body.header).toMatchObject({ action: "on-disburse", status: "rcvd", total_count: 2, completed_count: 0 });
    expect(first.body.message.disbursements_status).toHaveLength(2);

    const again = await send(fx, "/disburse/sync/disburse", signedRequest(fx.sender, "disburse", message));
    expect(again.status, again.text).toBe(200);
    expectContract("on-disburse", again.body);
    expect(again.body.message.disbursements_status).toEqual(first.body.message.disbursements_status);
    expect(await db.select({ id: g2pItems.id }).from(g2pItems).where(eq(g2pItems.senderRowId, fx.sender.row.id))).toHaveLength(2);
    // Synchronous answers are not sent again as callbacks.
    expect(await outboundCallbacks(db, fx.org.id)).toHaveLength(0);
  });

  it("answers a refused sync disburse with an on-disburse body: rjct, each item with its reason", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(3);
    items[1]!.amount = "abc";
    const request = signedRequest(fx.sender, "disburse", disburseMessage(items));
    // The contract refuses this request too; only the answer is checked against it.
    expect(contractProblems("disburse-request", request)).not.toEqual([]);
    const res = await postG2p("/disburse/sync/disburse", request, { key: fx.writeKey });
    expect(res.status, res.text).toBe(200);
    expectContract("on-disburse", res.body);
    expectPlatformSignature(res.body, fx.org.slug);
    expect(res.body.header).toMatchObject({ status: "rjct", status_reason_code: "rjct.amount.invalid", total_count: 3, completed_count: 3 });
    const statuses = res.body.message.disbursements_status as { reference_id: string; status: string; status_reason_code: string }[];
    expect(statuses.map((s) => [s.reference_id, s.status])).toEqual(items.map((i) => [i.reference_id, "rjct"]));
    expect(statuses[1]!.status_reason_code).toBe("rjct.amount.invalid");
  });

  it("accepts the G2P Bridge envelope declaration and items with every optional spec field", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(2).map((item, i) => ({
      ...item,
      scheduled_timestamp: "2020-01-01T00:00:00Z",
      payer_name: "Social Protection Programme",
      purpose: "Cash transfer",
      instruction: `Pay beneficiary ${i + 1}`,
      locale: "eng",
      meta: { programme: "cct" },
    }));
    const message = disburseMessage(items, {
      envelope: { number_of_disbursements: 3, total_disbursement_amount: "7.5", disbursement_currency_code: "USDC", disbursement_schedule_date: "2020-01-01T00:00:00Z" },
    });
    await disburse(fx, message);
    const [cb] = await outboundCallbacks(db, fx.org.id);
    expectContract("on-disburse", cb!.body);
    expect(cb!.body.message.disbursements_status[0]).toMatchObject({
      instruction: "Pay beneficiary 1",
      locale: "eng",
      currency_code: "USDC",
      cancellation_status: "NOT_CANCELLED",
    });
  });
});

describe("G2P contract: status queries", () => {
  async function withTransaction() {
    const fx = await g2pFixture(db);
    const items = disburseItems(3);
    const message = disburseMessage(items);
    await disburse(fx, message);
    return { fx, items, transactionId: message.transaction_id as string };
  }

  it("answers /disburse/sync/search by reference id, transaction id, payee_fa and payer_fa", async () => {
    const { fx, items, transactionId } = await withTransaction();
    const message = searchMessage([
      { type: "reference_id", value: items[0]!.reference_id },
      { type: "transaction_id", value: transactionId },
      { type: "payee_fa", value: items[2]!.payee_fa },
      { type: "payer_fa", value: "stellar:program-account" },
      { type: "reference_id", value: "no-such-reference" },
      { type: "payee_fa", value: stellarPayee() },
    ]);
    const res = await send(fx, "/disburse/sync/search", signedRequest(fx.sender, "search", message), fx.readKey);
    expect(res.status, res.text).toBe(200);
    expectContract("on-search", res.body);
    expectPlatformSignature(res.body, fx.org.slug);
    expect(res.body.header).toMatchObject({ action: "on-search", status: "succ", total_count: 6 });
    const responses = res.body.message.search_response as {
      reference_id: string;
      status: string;
      status_reason_code?: string;
      data: { disbursements_status: { reference_id: string }[] };
    }[];
    expect(responses.map((r) => r.reference_id)).toEqual(message.search_request.map((q) => q.reference_id));
    const refs = (i: number) => responses[i]!.data.disbursements_status.map((d) => d.reference_id);
    expect(refs(0)).toEqual([items[0]!.reference_id]);
    expect(refs(1)).toEqual(items.map((i) => i.reference_id));
    expect(refs(2)).toEqual([items[2]!.reference_id]);
    expect(refs(3)).toEqual(items.map((i) => i.reference_id));
    expect(responses[4]).toMatchObject({ status: "rjct", status_reason_code: "rjct.reference_id.not_found" });
    expect(responses[5]).toMatchObject({ status: "succ" });
    expect(refs(5)).toEqual([]);
  });

  it("ACKs /disburse/search and /disburse/status and stores on-search / on-status callbacks at sender_uri", async () => {
    const { fx, items } = await withTransaction();
    const before = (await outboundCallbacks(db, fx.org.id)).length;
    const search = signedRequest(fx.sender, "search", searchMessage([{ type: "reference_id", value: items[1]!.reference_id }]), {
      header: { sender_uri: "http://127.0.0.1:9/elsewhere" },
    });
    const a = await send(fx, "/disburse/search", search, fx.readKey);
    expectContract("ack", a.body);
    expect(a.body.message.ack_status, a.text).toBe("ACK");
    const alias = await send(
      fx,
      "/disburse/status",
      signedRequest(fx.sender, "search", searchMessage([{ type: "reference_id", value: items[2]!.reference_id }])),
      fx.readKey,
    );
    expectContract("ack", alias.body);
    expect(alias.body.message.ack_status, alias.text).toBe("ACK");

    const callbacks = (await outboundCallbacks(db, fx.org.id)).slice(before);
    expect(callbacks.map((c) => [c.endpoint, c.action, c.url])).toEqual([
      ["/disburse/on-search", "on-search", "http://127.0.0.1:9/elsewhere/disburse/on-search"],
      ["/disburse/on-status", "on-status", "http://127.0.0.1:9/g2p/disburse/on-status"],
    ]);
    for (const cb of callbacks) {
      expectContract("on-search", cb.body);
      expectPlatformSignature(cb.body, fx.org.slug);
    }
    expect(callbacks[0]!.correlation_id).toBe(a.body.message.correlation_id);
    expect(callbacks[0]!.body.message.search_response[0].data.disbursements_status[0].reference_id).toBe(items[1]!.reference_id);
  });

  it("answers /disburse/sync/txn/status by transaction id and by reference id list, naming unknown ids", async () => {
    const { fx, items, transactionId } = await withTransaction();
    const byTxn = await send(
      fx,
      "/disburse/sync/txn/status",
      signedRequest(fx.sender, "status", txnStatusMessage({ type: "transaction_id", value: transactionId })),
      fx.readKey,
    );
    expect(byTxn.status, byTxn.text).toBe(200);
    expectContract("txnstatus-on-status", byTxn.body);
    expectPlatformSignature(byTxn.body, fx.org.slug);
    expect(byTxn.body.header).toMatchObject({ action: "on-status", status: "succ" });
    expect(byTxn.body.message.txnstatus_response.txn_status.transaction_id).toBe(transactionId);
    expect(byTxn.body.message.txnstatus_response.txn_status.disbursements_status.map((d: { reference_id: string }) => d.reference_id)).toEqual(
      items.map((i) => i.reference_id),
    );

    const byRefs = await send(
      fx,
      "/disburse/sync/txn/status",
      signedRequest(fx.sender, "status", txnStatusMessage({ type: "reference_id_list", value: [items[2]!.reference_id, "unknown-ref"] })),
      fx.readKey,
    );
    expectContract("txnstatus-on-status", byRefs.body);
    const statuses = byRefs.body.message.txnstatus_response.txn_status.disbursements_status;
    expect(statuses[0]).toMatchObject({ reference_id: items[2]!.reference_id, status: "rcvd" });
    expect(statuses[1]).toMatchObject({ reference_id: "unknown-ref", status: "rjct", status_reason_code: "rjct.reference_id.not_found" });
    expect(byRefs.body.message.txnstatus_response.txn_status.transaction_id).toBe(transactionId);

    const unknown = await send(
      fx,
      "/disburse/sync/txn/status",
      signedRequest(fx.sender, "status", txnStatusMessage({ type: "transaction_id", value: "no-such-txn" })),
      fx.readKey,
    );
    expectContract("txnstatus-on-status", unknown.body);
    expect(unknown.body.header).toMatchObject({ status: "rjct", status_reason_code: "rjct.transaction_id.not_found" });
  });

  it("ACKs /disburse/txn/status and stores a txn on-status callback", async () => {
    const { fx, transactionId } = await withTransaction();
    const res = await send(
      fx,
      "/disburse/txn/status",
      signedRequest(fx.sender, "status", txnStatusMessage({ type: "transaction_id", value: transactionId })),
      fx.readKey,
    );
    expectContract("ack", res.body);
    expect(res.body.message.ack_status, res.text).toBe("ACK");
    const cb = (await outboundCallbacks(db, fx.org.id)).at(-1)!;
    expect(cb).toMatchObject({ endpoint: "/disburse/txn/on-status", action: "on-status", correlation_id: res.body.message.correlation_id });
    expectContract("txnstatus-on-status", cb.body);
    expectPlatformSignature(cb.body, fx.org.slug);
  });

  it("answers the GET status endpoints with a signed on-disburse body", async () => {
    const { fx, items, transactionId } = await withTransaction();
    const full = await getG2pStatus({ key: fx.readKey, id: transactionId, summaryOnly: false });
    expect(full.status, full.text).toBe(200);
    expectContract("on-disburse", full.body);
    expectPlatformSignature(full.body, fx.org.slug);
    expect(full.body.header).toMatchObject({ status: "rcvd", total_count: 3, completed_count: 0, receiver_id: fx.sender.senderId });
    expect(full.body.message.disbursements_status).toHaveLength(3);

    const summary = await getG2pStatus({ key: fx.readKey, id: transactionId, summaryOnly: true, senderId: fx.sender.senderId });
    expectContract("on-disburse", summary.body);
    expect(summary.body.header.total_count).toBe(3);
    expect(summary.body.message.disbursements_status).toEqual([]);

    const one = await getG2pStatus({ key: fx.readKey, id: items[1]!.reference_id });
    expect(one.status, one.text).toBe(200);
    expectContract("on-disburse", one.body);
    expectPlatformSignature(one.body, fx.org.slug);
    expect(one.body.message).toMatchObject({ transaction_id: transactionId, disbursements_status: [{ reference_id: items[1]!.reference_id }] });

    const missing = await getG2pStatus({ key: fx.readKey, id: "no-such-txn", summaryOnly: "false" });
    expect(missing.status).toBe(404);
    expectContract("ack", missing.body);
    expect(missing.body.message.error.code).toBe("rjct.transaction_id.not_found");

    const noKey = await getG2pStatus({ key: null, id: transactionId, summaryOnly: "true" });
    expect(noKey.status).toBe(401);
    expectContract("ack", noKey.body);
    const badFlag = await getG2pStatus({ key: fx.readKey, id: transactionId, summaryOnly: "maybe" });
    expect(badFlag.status).toBe(400);
    expectContract("ack", badFlag.body);
  });
});

describe("G2P contract: cancel", () => {
  it("answers /disburse/cancel with the items' cancellation status and time", async () => {
    const fx = await g2pFixture(db);
    const items = disburseItems(3);
    const message = disburseMessage(items, {
      envelope: { number_of_disbursements: 3, total_disbursement_amount: "7.5", disbursement_schedule_date: new Date(Date.now() + 86_400_000).toISOString() },
    });
    await disburse(fx, message);
    const transactionId = message.transaction_id as string;

    const one = await send(fx, "/disburse/cancel", signedRequest(fx.sender, "cancel", cancelMessage(transactionId, [items[0]!.reference_id])));
    expect(one.status, one.text).toBe(200);
    expectContract("on-cancel", one.body);
    expectPlatformSignature(one.body, fx.org.slug);
    expect(one.body.header).toMatchObject({ action: "on-cancel", status: "succ", total_count: 1, completed_count: 1 });
    expect(one.body.message.disbursements_status).toEqual([
      expect.objectContaining({ reference_id: items[0]!.reference_id, status: "rjct", cancellation_status: "CANCELLED", cancellation_time_stamp: expect.any(String) }),
    ]);

    const all = await send(fx, "/disburse/cancel", signedRequest(fx.sender, "cancel", cancelMessage(transactionId)));
    expect(all.status, all.text).toBe(200);
    expectContract("on-cancel", all.body);
    expect(all.body.message.disbursements_status.map((d: { cancellation_status: string }) => d.cancellation_status)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);
    const reported = await db
      .select({ status: g2pItems.reportedStatus })
      .from(g2pItems)
      .where(and(eq(g2pItems.senderRowId, fx.sender.row.id), eq(g2pItems.referenceId, items[2]!.reference_id)));
    expect(reported).toEqual([{ status: "rjct" }]);
  });
});

describe("G2P contract: the schemas themselves", () => {
  it("refuse what the spec does not allow", async () => {
    const fx = await g2pFixture(db);
    const body = signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)));
    expect(contractProblems("disburse-request", body)).toEqual([]);
    expect(contractProblems("disburse-request", { ...body, signature: undefined })).not.toEqual([]);
    expect(contractProblems("disburse-request", { ...body, header: { ...body.header, message_ts: "yesterday" } })).not.toEqual([]);
    expect(
      contractProblems("disburse-request", { ...body, message: { transaction_id: "t", disbursements: [{ reference_id: "r", payee_fa: "nope", amount: 5 }] } }),
    ).not.toEqual([]);
    expect(contractProblems("ack", { message: { ack_status: "NACK", timestamp: new Date().toISOString(), correlation_id: "c" } })).not.toEqual([]);
    expect(contractProblems("ack", { message: { ack_status: "OK", timestamp: new Date().toISOString(), correlation_id: "c" } })).not.toEqual([]);
  });
});
