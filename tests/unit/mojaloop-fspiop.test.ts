import { createHash, randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compareDecimal, FSPIOP_AMOUNT_PATTERN, FspiopAmountError, isFspiopAmount, toFspiopAmount } from "@/server/rails/mojaloop/fspiop-amount";
import { describeFspiopError, isTransientFspiopError } from "@/server/rails/mojaloop/fspiop-errors";
import { fspiopContentType, fspiopHeaders, fspiopResourceOf } from "@/server/rails/mojaloop/fspiop-headers";
import { checkFulfilment, conditionOf, isIlp32 } from "@/server/rails/mojaloop/fspiop-ilp";
import {
  bulkQuoteRequest,
  bulkTransferRequest,
  FspiopRequestBuildError,
  partyLookupRequest,
  quoteRequest,
  quoteStillValid,
  splitIntoBulks,
  transferLookupRequest,
  transferRequest,
} from "@/server/rails/mojaloop/fspiop-requests";

/** The pure parts of the FSPIOP 1.1 client: amounts, headers, error words, ILP fulfilment, requests. */

describe("FSPIOP amounts", () => {
  it.each([
    ["1200.50", "1200.5"],
    ["7.0000000", "7"],
    ["0.00", "0"],
    ["0", "0"],
    ["007.10", "7.1"],
    ["12.3456", "12.3456"],
    ["12.", "12"],
    ["100", "100"],
    ["999999999999999999.9999", "999999999999999999.9999"],
  ])("%s → %s", (input, expected) => {
    expect(toFspiopAmount(input)).toBe(expected);
    expect(FSPIOP_AMOUNT_PATTERN.test(expected)).toBe(true);
  });

  it.each(["-1", "1e3", "1,5", "", " ", "abc", "0x10", ".5", "NaN"])("refuses %j", (input) => {
    expect(() => toFspiopAmount(input)).toThrow(FspiopAmountError);
  });

  it("refuses more decimals than a switch carries, and more than 18 integer digits", () => {
    expect(() => toFspiopAmount("1.23456")).toThrow(/5 decimals; a Mojaloop switch carries at most 4/);
    expect(toFspiopAmount("1.2345000")).toBe("1.2345");
    expect(() => toFspiopAmount("1234567890123456789")).toThrow(/18 integer digits/);
  });

  it("never goes through a float (digits beyond double precision survive)", () => {
    expect(toFspiopAmount("123456789012345678.1234")).toBe("123456789012345678.1234");
    expect(Number("123456789012345678.1234").toString()).not.toBe("123456789012345678.1234");
  });

  it("recognises the canonical form only", () => {
    expect(isFspiopAmount("10.5")).toBe(true);
    for (const bad of ["10.50", "10.0", "010", "1.", "-1", "1.23456"]) expect(isFspiopAmount(bad)).toBe(false);
  });

  it("compares decimals exactly", () => {
    expect(compareDecimal("10.5", "10.50")).toBe(0);
    expect(compareDecimal("9.99", "10")).toBe(-1);
    expect(compareDecimal("100.01", "100.001")).toBe(1);
  });
});

describe("FSPIOP headers", () => {
  it("carry the versioned content type as Content-Type and Accept, the HTTP date and the FSP ids", () => {
    const at = new Date("2026-12-03T20:08:16.123Z");
    expect(fspiopHeaders({ resource: "bulkTransfers", source: "sdpfsp", destination: "payeefsp", date: at })).toEqual({
      accept: "application/vnd.interoperability.bulkTransfers+json;version=1.1",
      "content-type": "application/vnd.interoperability.bulkTransfers+json;version=1.1",
      date: "Thu, 03 Dec 2026 20:08:16 GMT",
      "fspiop-source": "sdpfsp",
      "fspiop-destination": "payeefsp",
    });
    expect(fspiopHeaders({ resource: "parties", source: "sdpfsp" })).not.toHaveProperty("fspiop-destination");
    expect(fspiopContentType("quotes")).toBe("application/vnd.interoperability.quotes+json;version=1.1");
  });

  it("name the resource of a path", () => {
    expect(fspiopResourceOf("/bulkQuotes/abc/error")).toBe("bulkQuotes");
    expect(fspiopResourceOf("parties/MSISDN/1")).toBe("parties");
    expect(fspiopResourceOf("/participants/MSISDN/1")).toBeNull();
  });
});

describe("FSPIOP error codes in plain words", () => {
  it("words the common specific codes", () => {
    expect(describeFspiopError("3204")).toBe("3204: No account was found for this payee (party not found).");
    expect(describeFspiopError("5105", "Payee FSP rejected transaction")).toBe("5105: The payee's FSP rejected the transaction.");
    expect(describeFspiopError("3302")).toMatch(/quote expired/);
    expect(describeFspiopError("4001")).toMatch(/liquidity/);
  });

  it("falls back to the category, then the family, for codes a scheme adds", () => {
    expect(describeFspiopError("5241")).toBe("5241: A payee limit was exceeded.");
    expect(describeFspiopError("4999")).toBe("4999: An error on the payer's side.");
    expect(describeFspiopError("2999")).toMatch(/^2999: A server error/);
  });

  it("keeps a description that says more than the code's name", () => {
    expect(describeFspiopError("5200", "Daily wallet limit of 70000 KES reached")).toBe(
      "5200: A payee limit was exceeded (for example the wallet's balance or transaction limit). (switch: Daily wallet limit of 70000 KES reached)",
    );
  });

  it("tells transient errors from final ones", () => {
    expect(isTransientFspiopError("2003")).toBe(true);
    expect(isTransientFspiopError("1001")).toBe(true);
    expect(isTransientFspiopError("5105")).toBe(false);
    expect(isTransientFspiopError("3204")).toBe(false);
  });
});

describe("ILP fulfilment and condition", () => {
  const fulfilment = randomBytes(32).toString("base64url");
  const condition = createHash("sha256").update(Buffer.from(fulfilment, "base64url")).digest("base64url");

  it("accepts the fulfilment whose SHA-256 is the condition", () => {
    expect(conditionOf(fulfilment)).toBe(condition);
    expect(checkFulfilment(fulfilment, condition)).toEqual({ ok: true });
  });

  it("refuses any other fulfilment, a missing one, and malformed values", () => {
    expect(checkFulfilment(randomBytes(32).toString("base64url"), condition)).toEqual({ ok: false, reason: "the fulfilment does not match the transfer's condition" });
    // The condition itself is not a fulfilment of itself.
    expect(checkFulfilment(condition, condition).ok).toBe(false);
    expect(checkFulfilment(undefined, condition)).toMatchObject({ ok: false, reason: expect.stringMatching(/without a fulfilment/) });
    expect(checkFulfilment("short", condition)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a base64url 32-byte/) });
    expect(checkFulfilment(fulfilment, "not-a-condition")).toMatchObject({ ok: false });
    // Standard base64 (+ and /) is not base64url.
    expect(isIlp32(Buffer.alloc(32, 0xfb).toString("base64").replace(/=+$/, ""))).toBe(false);
    expect(isIlp32(Buffer.alloc(32, 0xfb).toString("base64url"))).toBe(true);
  });
});

describe("FSPIOP requests", () => {
  const payer = { type: "BUSINESS" as const, identifier: "programme-1", fspId: "sdpfsp" };
  const payee = (n: number, fspId = "payeefsp") => ({ type: "MSISDN" as const, identifier: `2547000000${String(n).padStart(2, "0")}`, fspId });

  it("GET /parties has no destination and encodes the identifier", () => {
    expect(partyLookupRequest({ type: "MSISDN", identifier: "254700000001" })).toEqual({ method: "GET", path: "/parties/MSISDN/254700000001", resource: "parties" });
    expect(partyLookupRequest({ type: "EMAIL", identifier: "a/b@example.org" }).path).toBe("/parties/EMAIL/a%2Fb%40example.org");
    expect(partyLookupRequest({ type: "PERSONAL_ID", identifier: "123", subIdOrType: "PASSPORT" }).path).toBe("/parties/PERSONAL_ID/123/PASSPORT");
  });

  it("a quote sends the amount in FSPIOP form to the payee's FSP", () => {
    const quoteId = randomUUID();
    const request = quoteRequest({ quoteId, transactionId: randomUUID(), payer, payee: payee(1), amount: "150.00", currency: "KES" });
    expect(request).toMatchObject({ method: "POST", path: "/quotes", resource: "quotes", destination: "payeefsp" });
    expect(request.body).toMatchObject({
      quoteId,
      amountType: "SEND",
      amount: { amount: "150", currency: "KES" },
      payee: { partyIdInfo: { partyIdType: "MSISDN", partyIdentifier: "254700000001", fspId: "payeefsp" } },
      payer: { partyIdInfo: { partyIdType: "BUSINESS", partyIdentifier: "programme-1", fspId: "sdpfsp" } },
      transactionType: { scenario: "TRANSFER", initiator: "PAYER", initiatorType: "BUSINESS" },
    });
  });

  it("refuses ids that are not UUIDs, bad currencies and amounts, naming the field", () => {
    expect(() => quoteRequest({ quoteId: "q-1", transactionId: randomUUID(), payer, payee: payee(1), amount: "1", currency: "KES" })).toThrow(/quoteId must be a UUID/);
    expect(() => quoteRequest({ quoteId: randomUUID(), transactionId: randomUUID(), payer, payee: payee(1), amount: "1", currency: "kes" })).toThrow(
      FspiopRequestBuildError,
    );
    try {
      quoteRequest({ quoteId: randomUUID(), transactionId: randomUUID(), payer, payee: payee(1), amount: "1.23456", currency: "KES" });
      expect.unreachable();
    } catch (error) {
      expect((error as FspiopRequestBuildError).field).toBe("amount");
    }
  });

  it("a bulk quote holds 1 to 1,000 items of one payee FSP", () => {
    const item = (n: number, fsp = "payeefsp") => ({ quoteId: randomUUID(), transactionId: randomUUID(), payee: payee(n, fsp), amount: "2.50", currency: "KES" });
    const ok = bulkQuoteRequest({ bulkQuoteId: randomUUID(), payer, payeeFsp: "payeefsp", items: Array.from({ length: 1000 }, (_, i) => item(i)) });
    expect((ok.body as { individualQuotes: { amount: { amount: string } }[] }).individualQuotes).toHaveLength(1000);
    expect((ok.body as { individualQuotes: { amount: { amount: string } }[] }).individualQuotes[0]!.amount.amount).toBe("2.5");
    expect(() => bulkQuoteRequest({ bulkQuoteId: randomUUID(), payer, payeeFsp: "payeefsp", items: Array.from({ length: 1001 }, (_, i) => item(i)) })).toThrow(
      /at most 1000 items; got 1001/,
    );
    expect(() => bulkQuoteRequest({ bulkQuoteId: randomUUID(), payer, payeeFsp: "payeefsp", items: [] })).toThrow(/at least one item/);
    expect(() => bulkQuoteRequest({ bulkQuoteId: randomUUID(), payer, payeeFsp: "payeefsp", items: [item(1), item(2, "otherfsp")] })).toThrow(
      /items\[1\]\.payee is held at otherfsp/,
    );
  });

  it("transfers carry the quote's ILP packet and condition unchanged", () => {
    const condition = randomBytes(32).toString("base64url");
    const t = transferRequest({
      transferId: randomUUID(),
      payerFsp: "sdpfsp",
      payeeFsp: "payeefsp",
      amount: "10.10",
      currency: "KES",
      ilpPacket: "AYIB",
      condition,
      expiration: "2026-12-03T21:00:00Z",
    });
    expect(t.body).toMatchObject({
      payerFsp: "sdpfsp",
      payeeFsp: "payeefsp",
      amount: { amount: "10.1", currency: "KES" },
      ilpPacket: "AYIB",
      condition,
      expiration: "2026-12-03T21:00:00.000Z",
    });
    const b = bulkTransferRequest({
      bulkTransferId: randomUUID(),
      bulkQuoteId: randomUUID(),
      payerFsp: "sdpfsp",
      payeeFsp: "payeefsp",
      expiration: new Date(0),
      items: [{ transferId: randomUUID(), amount: "3.00", currency: "KES", ilpPacket: "AQ", condition }],
    });
    expect((b.body as { individualTransfers: unknown[] }).individualTransfers).toEqual([
      expect.objectContaining({ transferAmount: { amount: "3", currency: "KES" }, condition }),
    ]);
    expect(transferLookupRequest("0F3A6C1E-2B4D-4E5F-8A9B-0C1D2E3F4A5B")).toMatchObject({ method: "GET", path: "/transfers/0f3a6c1e-2b4d-4e5f-8a9b-0c1d2e3f4a5b" });
  });

  it("splits into bulks of at most 1,000 per payee FSP, keeping order", () => {
    const items = Array.from({ length: 2_500 }, (_, i) => ({ i, fsp: i % 5 === 0 ? "b" : "a" }));
    const bulks = splitIntoBulks(items, (x) => x.fsp);
    expect(bulks.map((b) => [b.payeeFsp, b.items.length])).toEqual([
      ["b", 500],
      ["a", 1000],
      ["a", 1000],
    ]);
    expect(bulks[1]!.items.slice(0, 3).map((x) => x.i)).toEqual([1, 2, 3]);
    expect(splitIntoBulks(items, () => "a").map((b) => b.items.length)).toEqual([1000, 1000, 500]);
    expect(() => splitIntoBulks(items, () => "a", 1001)).toThrow(FspiopRequestBuildError);
  });

  it("a quote is used only well before it expires", () => {
    const now = new Date("2026-12-03T20:00:00.000Z");
    expect(quoteStillValid("2026-12-03T20:05:00.000Z", now)).toBe(true);
    expect(quoteStillValid("2026-12-03T20:00:04.000Z", now)).toBe(false);
    expect(quoteStillValid("2026-12-03T19:59:00.000Z", now)).toBe(false);
    expect(quoteStillValid("not a date", now)).toBe(false);
  });
});
