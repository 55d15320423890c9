import { createHash, randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bulkTransferVerdicts, parseFspiopCallback, partyDisplayName, transferVerdict } from "@/server/rails/mojaloop/fspiop-callbacks";

/** parseFspiopCallback: every callback form of FSPIOP 1.1 to a typed event, or a refusal naming the field. */

const headers = (resource: string, extra: Record<string, string> = {}) => ({
  "content-type": `application/vnd.interoperability.${resource}+json;version=1.1`,
  "fspiop-source": "switch",
  "fspiop-destination": "sdpfsp",
  date: new Date().toUTCString(),
  ...extra,
});
const fulfilment = randomBytes(32).toString("base64url");
const condition = createHash("sha256").update(Buffer.from(fulfilment, "base64url")).digest("base64url");
const id = randomUUID();

describe("parseFspiopCallback", () => {
  it("a resolved party: name, FSP and the ids of the path", () => {
    const body = {
      party: {
        partyIdInfo: { partyIdType: "MSISDN", partyIdentifier: "254700000001", fspId: "mpesa" },
        personalInfo: { complexName: { firstName: "Amina", lastName: "Otieno" } },
      },
    };
    const result = parseFspiopCallback("PUT", ["parties", "MSISDN", "254700000001"], headers("parties"), JSON.stringify(body));
    expect(result).toEqual({
      ok: true,
      event: expect.objectContaining({
        kind: "PARTY",
        partyIdType: "MSISDN",
        partyIdentifier: "254700000001",
        subIdOrType: null,
        fspId: "mpesa",
        displayName: "Amina Otieno",
        source: "switch",
        destination: "sdpfsp",
      }),
    });
  });

  it("a party error, with the code in plain words", () => {
    const result = parseFspiopCallback("put", ["parties", "MSISDN", "254700000009", "error"], headers("parties"), {
      errorInformation: { errorCode: "3204", errorDescription: "Party not found" },
    });
    expect(result).toMatchObject({
      ok: true,
      event: { kind: "PARTY_ERROR", partyIdentifier: "254700000009", error: { code: "3204", words: expect.stringMatching(/^3204: No account/) } },
    });
  });

  it("quotes, bulk quotes, transfers and bulk transfers", () => {
    const quote = { transferAmount: { amount: "10.5", currency: "KES" }, expiration: "2026-12-03T21:00:00.000Z", ilpPacket: "AYIB", condition };
    expect(parseFspiopCallback("PUT", ["quotes", id], headers("quotes"), quote)).toMatchObject({ ok: true, event: { kind: "QUOTE", quoteId: id, quote } });
    const bulkQuote = {
      expiration: "2026-12-03T21:00:00Z",
      individualQuoteResults: [{ quoteId: id, transferAmount: { amount: "1", currency: "KES" }, ilpPacket: "AQ", condition }],
    };
    expect(parseFspiopCallback("PUT", ["bulkQuotes", id], headers("bulkQuotes"), bulkQuote)).toMatchObject({ ok: true, event: { kind: "BULK_QUOTE", bulkQuoteId: id } });
    expect(parseFspiopCallback("PUT", ["transfers", id.toUpperCase()], headers("transfers"), { transferState: "COMMITTED", fulfilment })).toMatchObject({
      ok: true,
      event: { kind: "TRANSFER", transferId: id, transfer: { transferState: "COMMITTED", fulfilment } },
    });
    expect(
      parseFspiopCallback("PUT", ["bulkTransfers", id], headers("bulkTransfers"), {
        bulkTransferState: "COMPLETED",
        individualTransferResults: [{ transferId: id, fulfilment }],
      }),
    ).toMatchObject({
      ok: true,
      event: { kind: "BULK_TRANSFER", bulkTransferId: id },
    });
  });

  it.each(["quotes", "bulkQuotes", "transfers", "bulkTransfers"])("the /error form of %s", (resource) => {
    const result = parseFspiopCallback("PUT", [resource, id, "error"], headers(resource), { errorInformation: { errorCode: "3302", errorDescription: "Quote expired" } });
    expect(result).toMatchObject({ ok: true, event: { kind: "ERROR", resource, id, error: { code: "3302" } } });
  });

  it("refuses unknown resources, other methods and malformed paths", () => {
    expect(parseFspiopCallback("PUT", ["participants", "MSISDN", "1"], headers("participants"), {})).toMatchObject({
      ok: false,
      refusal: { status: 404, field: "path" },
    });
    expect(parseFspiopCallback("POST", ["transfers", id], headers("transfers"), {})).toMatchObject({ ok: false, refusal: { status: 405 } });
    expect(parseFspiopCallback("PUT", ["transfers", "not-a-uuid"], headers("transfers"), {})).toMatchObject({
      ok: false,
      refusal: { status: 400, message: expect.stringMatching(/not a UUID/) },
    });
    expect(parseFspiopCallback("PUT", ["transfers", id, "extra"], headers("transfers"), {})).toMatchObject({ ok: false, refusal: { status: 404 } });
    expect(parseFspiopCallback("PUT", ["parties", "PHONE", "1"], headers("parties"), {})).toMatchObject({
      ok: false,
      refusal: { status: 400, message: expect.stringMatching(/"PHONE" is not an FSPIOP party id type/) },
    });
  });

  it("refuses wrong content types and a missing FSPIOP-Source", () => {
    const body = { transferState: "COMMITTED", fulfilment };
    expect(parseFspiopCallback("PUT", ["transfers", id], { ...headers("transfers"), "content-type": "application/json" }, body)).toMatchObject({
      ok: false,
      refusal: { field: "header content-type" },
    });
    expect(parseFspiopCallback("PUT", ["transfers", id], headers("quotes"), body)).toMatchObject({
      ok: false,
      refusal: { message: expect.stringMatching(/names the resource quotes/) },
    });
    expect(
      parseFspiopCallback("PUT", ["transfers", id], headers("transfers", { "content-type": "application/vnd.interoperability.transfers+json;version=2.0" }), body),
    ).toMatchObject({ ok: false, refusal: { field: "header content-type" } });
    const { "fspiop-source": _omit, ...noSource } = headers("transfers");
    expect(parseFspiopCallback("PUT", ["transfers", id], noSource, body)).toMatchObject({ ok: false, refusal: { field: "header fspiop-source" } });
  });

  it("refuses invalid bodies naming the field", () => {
    expect(parseFspiopCallback("PUT", ["transfers", id], headers("transfers"), { transferState: "DONE" })).toMatchObject({
      ok: false,
      refusal: { status: 400, field: "transferState" },
    });
    expect(parseFspiopCallback("PUT", ["transfers", id], headers("transfers"), { transferState: "COMMITTED", fulfilment: "abc" })).toMatchObject({
      ok: false,
      refusal: { field: "fulfilment" },
    });
    expect(
      parseFspiopCallback("PUT", ["quotes", id], headers("quotes"), {
        transferAmount: { amount: "10.50", currency: "KES" },
        expiration: "2026-12-03T21:00:00Z",
        ilpPacket: "AQ",
        condition,
      }),
    ).toMatchObject({
      ok: false,
      refusal: { field: "transferAmount.amount", message: expect.stringMatching(/no trailing zeros/) },
    });
    expect(parseFspiopCallback("PUT", ["bulkQuotes", id], headers("bulkQuotes"), { individualQuoteResults: [] })).toMatchObject({
      ok: false,
      refusal: { field: "expiration" },
    });
    expect(parseFspiopCallback("PUT", ["transfers", id], headers("transfers"), "{not json")).toMatchObject({
      ok: false,
      refusal: { field: "(body)", message: expect.stringMatching(/not JSON/) },
    });
    expect(parseFspiopCallback("PUT", ["transfers", id, "error"], headers("transfers"), { errorInformation: { errorCode: "12", errorDescription: "x" } })).toMatchObject({
      ok: false,
      refusal: { field: "errorInformation.errorCode" },
    });
    const other = { party: { partyIdInfo: { partyIdType: "MSISDN", partyIdentifier: "254700000002" } } };
    expect(parseFspiopCallback("PUT", ["parties", "MSISDN", "254700000001"], headers("parties"), other)).toMatchObject({
      ok: false,
      refusal: { field: "party.partyIdInfo" },
    });
  });

  it("words a party's name from its parts", () => {
    expect(partyDisplayName({ partyIdInfo: { partyIdType: "MSISDN", partyIdentifier: "1" }, name: "  Amina O.  " })).toBe("Amina O.");
    expect(
      partyDisplayName({
        partyIdInfo: { partyIdType: "MSISDN", partyIdentifier: "1" },
        personalInfo: { complexName: { firstName: "A", middleName: "B", lastName: "C" } },
      }),
    ).toBe("A B C");
    expect(partyDisplayName({ partyIdInfo: { partyIdType: "MSISDN", partyIdentifier: "1" } })).toBeNull();
  });
});

describe("verdicts", () => {
  it("a transfer is SUCCESS only when committed with a fulfilment matching its condition", () => {
    expect(transferVerdict({ transferState: "COMMITTED", fulfilment }, condition)).toMatchObject({ status: "SUCCESS", fulfilment });
    expect(transferVerdict({ transferState: "COMMITTED", fulfilment: randomBytes(32).toString("base64url") }, condition)).toMatchObject({ status: "UNVERIFIED" });
    expect(transferVerdict({ transferState: "COMMITTED" }, condition)).toMatchObject({ status: "UNVERIFIED" });
    expect(transferVerdict({ transferState: "RESERVED" }, condition)).toEqual({ status: "PENDING", state: "RESERVED" });
    expect(transferVerdict({ transferState: "ABORTED" }, condition)).toMatchObject({ status: "FAILED", code: "ABORTED" });
  });

  it("a bulk transfer's items: per-item errors fail only that item; unmentioned items stay pending or are flagged", () => {
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const sent = new Map([a, b, c].map((x) => [x, condition]));
    const processing = bulkTransferVerdicts(
      {
        bulkTransferState: "PROCESSING",
        individualTransferResults: [
          { transferId: a, fulfilment },
          { transferId: b, errorInformation: { errorCode: "5105", errorDescription: "Payee FSP rejected transaction" } },
          { transferId: d, fulfilment },
        ],
      },
      sent,
    );
    expect(processing.verdicts.get(a)).toMatchObject({ status: "SUCCESS" });
    expect(processing.verdicts.get(b)).toEqual({ status: "FAILED", code: "5105", message: "5105: The payee's FSP rejected the transaction." });
    expect(processing.verdicts.get(c)).toEqual({ status: "PENDING", state: "PROCESSING" });
    expect(processing.unknownIds).toEqual([d]);
    expect(bulkTransferVerdicts({ bulkTransferState: "COMPLETED", individualTransferResults: [] }, sent).verdicts.get(c)).toMatchObject({ status: "UNVERIFIED" });
    expect(bulkTransferVerdicts({ bulkTransferState: "REJECTED" }, sent).verdicts.get(a)).toMatchObject({ status: "FAILED", code: "REJECTED" });
  });
});
