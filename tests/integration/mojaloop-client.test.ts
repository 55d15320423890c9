import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bulkTransferVerdicts,
  parseFspiopCallback,
  transferVerdict,
  type FspiopCallbackEvent,
  type FspiopCallbackResult,
} from "@/server/rails/mojaloop/fspiop-callbacks";
import { FspiopClient, FspiopRequestError } from "@/server/rails/mojaloop/fspiop-client";
import { checkFulfilment } from "@/server/rails/mojaloop/fspiop-ilp";
import { MAX_BULK_ITEMS, quoteStillValid, splitIntoBulks, type PayerInfo } from "@/server/rails/mojaloop/fspiop-requests";
import { startTtk, TTK_FSP_ID, type TtkHandle } from "../support/ttk";
import { waitFor } from "../support/wait";

/**
 * The FSPIOP 1.1 payer client against the real Mojaloop Testing Toolkit on loopback (the switch;
 * tests/support/ttk.ts, rule files in tests/fixtures/mojaloop-ttk/rules): every request is validated
 * by the toolkit against the FSPIOP schemas, and every callback it sends comes back to a loopback
 * server here and goes through parseFspiopCallback, as the app's route will do.
 */

const OUR_FSP = "sdpfsp";
const PREFIX = `/mojaloop/callbacks/${randomUUID()}`;
const payer: PayerInfo = { type: "BUSINESS", identifier: "programme-1", fspId: OUR_FSP, name: "Social Cash Transfer Programme" };

let ttk: TtkHandle;
let server: http.Server;
let client: FspiopClient;
const received: FspiopCallbackResult[] = [];

function events(): FspiopCallbackEvent[] {
  return received.flatMap((r) => (r.ok ? [r.event] : []));
}

async function eventFor<K extends FspiopCallbackEvent["kind"]>(kind: K, match: (e: Extract<FspiopCallbackEvent, { kind: K }>) => boolean, message: string) {
  return waitFor(() => events().find((e): e is Extract<FspiopCallbackEvent, { kind: K }> => e.kind === kind && match(e as Extract<FspiopCallbackEvent, { kind: K }>)), {
    message,
    details: () => `refused callbacks: ${JSON.stringify(received.filter((r) => !r.ok)).slice(0, 1000)}\ntoolkit log:\n${ttk.log().slice(-1500)}`,
  });
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://callback.test");
      if (!url.pathname.startsWith(`${PREFIX}/`)) {
        res.writeHead(404).end();
        return;
      }
      const segments = url.pathname
        .slice(PREFIX.length + 1)
        .split("/")
        .map(decodeURIComponent);
      const result = parseFspiopCallback(req.method ?? "GET", segments, req.headers, Buffer.concat(chunks));
      received.push(result);
      res.writeHead(result.ok ? 200 : result.refusal.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  ttk = await startTtk({ callbackUrl: `http://127.0.0.1:${port}${PREFIX}` });
  client = new FspiopClient({ baseUrl: ttk.fspiopUrl, fspId: OUR_FSP, timeoutMs: 60_000 });
}, 700_000);

afterAll(async () => {
  await ttk?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe("a switch asked about bulks it never received", () => {
  // The first test of the file: the toolkit has seen no bulk yet (tests/support/ttk.ts seeds its lists).
  it("answers GET /bulkQuotes/{id} and GET /bulkTransfers/{id} with not found, so the rail may send them", async () => {
    const bulkQuoteId = randomUUID();
    const bulkTransferId = randomUUID();
    await client.getBulkQuote(bulkQuoteId, TTK_FSP_ID);
    await client.getBulkTransfer(bulkTransferId, TTK_FSP_ID);
    const quoteError = await eventFor("ERROR", (e) => e.id === bulkQuoteId, "the bulk quote error callback");
    const transferError = await eventFor("ERROR", (e) => e.id === bulkTransferId, "the bulk transfer error callback");
    expect([quoteError.resource, quoteError.error.code]).toEqual(["bulkQuotes", "3209"]);
    expect([transferError.resource, transferError.error.code]).toEqual(["bulkTransfers", "3210"]);
  });
});

describe("discovery", () => {
  it("resolves an MSISDN to the payee's name and FSP", async () => {
    await client.lookupParty({ type: "MSISDN", identifier: "254700000001" });
    const event = await eventFor("PARTY", (e) => e.partyIdentifier === "254700000001", "the party callback");
    expect(event).toMatchObject({ partyIdType: "MSISDN", fspId: TTK_FSP_ID, displayName: "Payee 254700000001", source: TTK_FSP_ID, destination: OUR_FSP });

    const sent = (await ttk.requests()).find((r) => r.path === "/parties/MSISDN/254700000001")!;
    expect(sent.headers).toMatchObject({
      accept: "application/vnd.interoperability.parties+json;version=1.1",
      "content-type": "application/vnd.interoperability.parties+json;version=1.1",
      "fspiop-source": OUR_FSP,
    });
    expect(sent.headers["fspiop-destination"]).toBeUndefined();
    expect(new Date(sent.headers.date!).toUTCString()).toBe(sent.headers.date);
  });

  it("reports a party the switch does not know with the FSPIOP code in plain words", async () => {
    await client.lookupParty({ type: "MSISDN", identifier: "254799000404" });
    const event = await eventFor("PARTY_ERROR", (e) => e.partyIdentifier === "254799000404", "the party error callback");
    expect(event.error.code).toBe("3204");
    expect(event.error.words).toMatch(/^3204: No account was found for this payee/);
  });
});

describe("a single quote and transfer", () => {
  it("quotes, transfers with the quote's condition, verifies the fulfilment, and answers GET /transfers/{id} after the fact", async () => {
    const quoteId = randomUUID();
    const transactionId = randomUUID();
    const payee = { type: "MSISDN" as const, identifier: "254700000002", fspId: TTK_FSP_ID };
    await client.requestQuote({ quoteId, transactionId, payer, payee, amount: "10.50", currency: "KES", note: "November transfer" });
    const { quote } = await eventFor("QUOTE", (e) => e.quoteId === quoteId, "the quote callback");
    expect(quote.transferAmount).toEqual({ amount: "10.5", currency: "KES" });
    expect(new Date(quote.expiration).getTime()).toBeGreaterThan(Date.now());

    const transferId = randomUUID();
    await client.prepareTransfer({
      transferId,
      payeeFsp: TTK_FSP_ID,
      amount: "10.50",
      currency: "KES",
      ilpPacket: quote.ilpPacket,
      condition: quote.condition,
      expiration: quote.expiration,
    });
    const { transfer } = await eventFor("TRANSFER", (e) => e.transferId === transferId, "the transfer callback");
    expect(transfer.transferState).toBe("COMMITTED");
    const verdict = transferVerdict(transfer, quote.condition);
    expect(verdict.status).toBe("SUCCESS");
    // The same fulfilment does not satisfy another transfer's condition.
    expect(checkFulfilment(transfer.fulfilment, "xUZb2y2KhVv1_Ro-efI7dBHFLyWywx6BZDQIH1eBkeg").ok).toBe(false);

    const posted = (await ttk.requests()).find((r) => r.path === "/transfers" && (r.body as { transferId?: string }).transferId === transferId)!;
    expect(posted.body).toMatchObject({ payerFsp: OUR_FSP, payeeFsp: TTK_FSP_ID, amount: { amount: "10.5", currency: "KES" }, condition: quote.condition });
    expect(posted.headers["fspiop-destination"]).toBe(TTK_FSP_ID);

    const before = events().filter((e) => e.kind === "TRANSFER" && e.transferId === transferId).length;
    await client.getTransfer(transferId, TTK_FSP_ID);
    await waitFor(() => events().filter((e) => e.kind === "TRANSFER" && e.transferId === transferId).length > before, { message: "the GET /transfers callback" });
    const again = events()
      .filter((e): e is Extract<FspiopCallbackEvent, { kind: "TRANSFER" }> => e.kind === "TRANSFER" && e.transferId === transferId)
      .at(-1)!;
    expect(transferVerdict(again.transfer, quote.condition)).toMatchObject({ status: "SUCCESS", fulfilment: transfer.fulfilment });
  });

  it("a lookup of a transfer the switch never saw is not taken as paid", async () => {
    const transferId = randomUUID();
    await client.getTransfer(transferId, TTK_FSP_ID);
    const { transfer } = await eventFor("TRANSFER", (e) => e.transferId === transferId, "the GET /transfers callback");
    // The toolkit answers COMMITTED without a fulfilment for an id it does not know.
    expect(transfer.fulfilment).toBeUndefined();
    expect(transferVerdict(transfer, "xUZb2y2KhVv1_Ro-efI7dBHFLyWywx6BZDQIH1eBkeg")).toMatchObject({ status: "UNVERIFIED" });
  });

  it("an expired quote is recognised, so its condition is never used (amount 21 answers an expired quote)", async () => {
    const quoteId = randomUUID();
    await client.requestQuote({
      quoteId,
      transactionId: randomUUID(),
      payer,
      payee: { type: "MSISDN", identifier: "254700000004", fspId: TTK_FSP_ID },
      amount: "21.00",
      currency: "KES",
    });
    const { quote } = await eventFor("QUOTE", (e) => e.quoteId === quoteId, "the quote callback");
    expect(quoteStillValid(quote.expiration)).toBe(false);
  });

  it("the switch refuses an amount with a trailing zero; the client never sends one", async () => {
    const body = (amount: string) => ({
      quoteId: randomUUID(),
      transactionId: randomUUID(),
      payee: { partyIdInfo: { partyIdType: "MSISDN", partyIdentifier: "254700000003", fspId: TTK_FSP_ID } },
      payer: { partyIdInfo: { partyIdType: "BUSINESS", partyIdentifier: "programme-1", fspId: OUR_FSP } },
      amountType: "SEND",
      amount: { amount, currency: "KES" },
      transactionType: { scenario: "TRANSFER", initiator: "PAYER", initiatorType: "BUSINESS" },
    });
    const raw = client.send({ method: "POST", path: "/quotes", resource: "quotes", destination: TTK_FSP_ID, body: body("25.50") });
    await expect(raw).rejects.toBeInstanceOf(FspiopRequestError);
    await expect(raw).rejects.toMatchObject({ httpStatus: 400, code: "3100" });

    const quoteId = randomUUID();
    await client.requestQuote({
      quoteId,
      transactionId: randomUUID(),
      payer,
      payee: { type: "MSISDN", identifier: "254700000003", fspId: TTK_FSP_ID },
      amount: "25.50",
      currency: "KES",
    });
    const posted = (await ttk.requests()).find((r) => r.path === "/quotes" && (r.body as { quoteId?: string }).quoteId === quoteId)!;
    expect((posted.body as { amount: { amount: string } }).amount.amount).toBe("25.5");
    await eventFor("QUOTE", (e) => e.quoteId === quoteId, "the quote callback");
  });
});

describe("bulk quotes and bulk transfers", () => {
  it("pays 2,500 payees in three bulks, failing only the items the payee side refused", async () => {
    // Amount 12: the payee rejects the quote (5101); 13: the payee FSP rejects the transfer (5105);
    // 17: the switch answers a fulfilment that does not match (never SUCCESS). Rules: callback-rules-v2.json (as v1 for these amounts).
    const amountOf = (i: number) => (i % 250 === 7 ? "12" : i % 250 === 8 ? "13" : i % 500 === 9 ? "17" : `${1 + (i % 40)}.${(i % 9) + 1}0`);
    const payments = Array.from({ length: 2_500 }, (_, i) => ({
      quoteId: randomUUID(),
      transactionId: randomUUID(),
      transferId: randomUUID(),
      payee: { type: "MSISDN" as const, identifier: `2547${String(10_000_000 + i)}`, fspId: TTK_FSP_ID },
      amount: amountOf(i),
    }));
    const bulks = splitIntoBulks(payments, (p) => p.payee.fspId);
    expect(bulks.map((b) => b.items.length)).toEqual([1000, 1000, 500]);

    const outcome = new Map<string, { status: string; code?: string; message?: string }>();
    for (const bulk of bulks) {
      const bulkQuoteId = randomUUID();
      await client.requestBulkQuote({
        bulkQuoteId,
        payer,
        payeeFsp: bulk.payeeFsp,
        items: bulk.items.map((p) => ({ quoteId: p.quoteId, transactionId: p.transactionId, payee: p.payee, amount: p.amount, currency: "KES" })),
      });
      const { bulkQuote } = await eventFor("BULK_QUOTE", (e) => e.bulkQuoteId === bulkQuoteId, "the bulk quote callback");
      const results = new Map((bulkQuote.individualQuoteResults ?? []).map((r) => [r.quoteId, r]));
      expect(results.size).toBe(bulk.items.length);

      const toTransfer = [];
      for (const p of bulk.items) {
        const r = results.get(p.quoteId)!;
        if (r.errorInformation) outcome.set(p.transferId, { status: "FAILED", code: r.errorInformation.errorCode });
        else toTransfer.push({ transferId: p.transferId, amount: p.amount, currency: "KES", ilpPacket: r.ilpPacket!, condition: r.condition! });
      }
      const bulkTransferId = randomUUID();
      await client.prepareBulkTransfer({ bulkTransferId, bulkQuoteId, payeeFsp: bulk.payeeFsp, items: toTransfer, expiration: bulkQuote.expiration });
      const { bulkTransfer } = await eventFor("BULK_TRANSFER", (e) => e.bulkTransferId === bulkTransferId, "the bulk transfer callback");
      const { verdicts, unknownIds } = bulkTransferVerdicts(bulkTransfer, new Map(toTransfer.map((t) => [t.transferId, t.condition])));
      expect(unknownIds).toEqual([]);
      for (const [id, v] of verdicts) outcome.set(id, { status: v.status, ...(v.status === "FAILED" ? { code: v.code, message: v.message } : {}) });
    }

    expect(outcome.size).toBe(2_500);
    for (const p of payments) {
      const o = outcome.get(p.transferId)!;
      if (p.amount === "12") expect(o).toMatchObject({ status: "FAILED", code: "5101" });
      else if (p.amount === "13") expect(o).toEqual({ status: "FAILED", code: "5105", message: "5105: The payee's FSP rejected the transaction." });
      else if (p.amount === "17") expect(o.status).toBe("UNVERIFIED");
      else expect(o.status).toBe("SUCCESS");
    }
    const count = (s: string) => [...outcome.values()].filter((o) => o.status === s).length;
    expect({ success: count("SUCCESS"), failed: count("FAILED"), unverified: count("UNVERIFIED") }).toEqual({ success: 2_475, failed: 20, unverified: 5 });

    // What the switch received: three bulk quotes of ≤ 1,000, amounts in FSPIOP form ("1.1", never "1.10").
    const history = await ttk.requests();
    const bulkQuotes = history.filter((r) => r.method === "post" && r.path === "/bulkQuotes").slice(-3);
    expect(bulkQuotes.map((r) => (r.body as { individualQuotes: unknown[] }).individualQuotes.length)).toEqual([1000, 1000, 500]);
    for (const r of bulkQuotes) {
      expect(r.headers["content-type"]).toBe("application/vnd.interoperability.bulkQuotes+json;version=1.1");
      for (const q of (r.body as { individualQuotes: { amount: { amount: string } }[] }).individualQuotes) expect(q.amount.amount).not.toMatch(/\.\d*0$/);
    }
    expect(MAX_BULK_ITEMS).toBe(1000);
  });

  it("answers GET /bulkTransfers/{id} with the results of a bulk transfer after the fact", async () => {
    const bulkQuoteId = randomUUID();
    const items = ["5", "13"].map((amount, i) => ({
      quoteId: randomUUID(),
      transactionId: randomUUID(),
      payee: { type: "MSISDN" as const, identifier: `25471100000${i}`, fspId: TTK_FSP_ID },
      amount,
      currency: "KES",
    }));
    await client.requestBulkQuote({ bulkQuoteId, payer, payeeFsp: TTK_FSP_ID, items });
    const { bulkQuote } = await eventFor("BULK_QUOTE", (e) => e.bulkQuoteId === bulkQuoteId, "the bulk quote callback");
    const transfers = bulkQuote.individualQuoteResults!.map((r, i) => ({
      transferId: randomUUID(),
      amount: items[i]!.amount,
      currency: "KES",
      ilpPacket: r.ilpPacket!,
      condition: r.condition!,
    }));
    const bulkTransferId = randomUUID();
    await client.prepareBulkTransfer({ bulkTransferId, bulkQuoteId, payeeFsp: TTK_FSP_ID, items: transfers, expiration: bulkQuote.expiration });
    await eventFor("BULK_TRANSFER", (e) => e.bulkTransferId === bulkTransferId, "the bulk transfer callback");

    const before = events().filter((e) => e.kind === "BULK_TRANSFER" && e.bulkTransferId === bulkTransferId).length;
    await client.getBulkTransfer(bulkTransferId, TTK_FSP_ID);
    await waitFor(() => events().filter((e) => e.kind === "BULK_TRANSFER" && e.bulkTransferId === bulkTransferId).length > before, {
      message: "the GET /bulkTransfers callback",
    });
    const latest = events()
      .filter((e): e is Extract<FspiopCallbackEvent, { kind: "BULK_TRANSFER" }> => e.kind === "BULK_TRANSFER" && e.bulkTransferId === bulkTransferId)
      .at(-1)!;
    const { verdicts } = bulkTransferVerdicts(latest.bulkTransfer, new Map(transfers.map((t) => [t.transferId, t.condition])));
    expect([...verdicts.values()].map((v) => v.status)).toEqual(["SUCCESS", "FAILED"]);
  });

  it("every callback the switch sent passed the parser", () => {
    expect(received.filter((r) => !r.ok)).toEqual([]);
    expect(received.length).toBeGreaterThan(8);
  });
});
