import { toFspiopAmount } from "./fspiop-amount";
import type { FspiopResource } from "./fspiop-headers";
import { PARTY_ID_TYPES, type PartyIdType } from "./fspiop-schemas";

/**
 * The FSPIOP 1.1 requests a payer DFSP sends, as plain values (method, path, resource, destination,
 * body): built here without I/O and sent by the client (fspiop-client.ts). Amounts arrive as the
 * platform's exact decimal strings and leave in FSPIOP form (fspiop-amount.ts). Identifiers
 * (quote, transaction, transfer and bulk ids) are chosen and stored by the caller before sending,
 * so a lost answer is looked up by id, never sent again under a new one.
 */

export const MAX_BULK_ITEMS = 1000;

export type FspiopRequest = {
  method: "GET" | "POST";
  path: string;
  resource: FspiopResource;
  /** FSPIOP-Destination: the payee's FSP (absent for GET /parties). */
  destination?: string | null;
  body?: unknown;
};

export class FspiopRequestBuildError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "FspiopRequestBuildError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

function uuid(value: string, field: string): string {
  if (!UUID.test(value)) throw new FspiopRequestBuildError(`${field} must be a UUID, got "${value}".`, field);
  return value.toLowerCase();
}

function currency(value: string, field: string): string {
  if (!/^[A-Z]{3}$/.test(value)) throw new FspiopRequestBuildError(`${field} must be a three-letter ISO 4217 code, got "${value}".`, field);
  return value;
}

function amount(value: string, field: string): string {
  try {
    return toFspiopAmount(value);
  } catch (error) {
    throw new FspiopRequestBuildError(`${field}: ${(error as Error).message}`, field);
  }
}

function expiration(at: Date | string | undefined): string | undefined {
  if (at === undefined) return undefined;
  const date = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) throw new FspiopRequestBuildError("expiration is not a valid date.", "expiration");
  return date.toISOString();
}

export type PartyRef = { type: PartyIdType; identifier: string; subIdOrType?: string | null; fspId?: string | null };

function partyIdInfo(ref: PartyRef, field: string) {
  if (!(PARTY_ID_TYPES as readonly string[]).includes(ref.type))
    throw new FspiopRequestBuildError(`${field}.type "${ref.type}" is not an FSPIOP party id type.`, `${field}.type`);
  if (!ref.identifier || ref.identifier.length > 128) throw new FspiopRequestBuildError(`${field}.identifier must have 1 to 128 characters.`, `${field}.identifier`);
  return {
    partyIdType: ref.type,
    partyIdentifier: ref.identifier,
    ...(ref.subIdOrType ? { partySubIdOrType: ref.subIdOrType } : {}),
    ...(ref.fspId ? { fspId: ref.fspId } : {}),
  };
}

/** The payer: the programme's business account at our FSP. */
export type PayerInfo = { type: PartyIdType; identifier: string; fspId: string; name?: string | null };

function payerParty(payer: PayerInfo) {
  return { partyIdInfo: partyIdInfo({ ...payer }, "payer"), ...(payer.name ? { name: payer.name.slice(0, 128) } : {}) };
}

/** A G2P payment: the payer (a business) sends money to the payee. */
const TRANSACTION_TYPE = { scenario: "TRANSFER", initiator: "PAYER", initiatorType: "BUSINESS" } as const;

function pathPart(value: string): string {
  return encodeURIComponent(value);
}

export function partyLookupRequest(party: PartyRef): FspiopRequest {
  const info = partyIdInfo(party, "party");
  const sub = info.partySubIdOrType ? `/${pathPart(info.partySubIdOrType)}` : "";
  return { method: "GET", path: `/parties/${info.partyIdType}/${pathPart(info.partyIdentifier)}${sub}`, resource: "parties" };
}

export type QuoteInput = {
  quoteId: string;
  transactionId: string;
  payer: PayerInfo;
  /** The payee as resolved by the party lookup (its fspId is the destination). */
  payee: PartyRef & { fspId: string };
  amount: string;
  currency: string;
  note?: string | null;
  expiration?: Date | string;
};

export function quoteRequest(input: QuoteInput): FspiopRequest {
  const exp = expiration(input.expiration);
  return {
    method: "POST",
    path: "/quotes",
    resource: "quotes",
    destination: input.payee.fspId,
    body: {
      quoteId: uuid(input.quoteId, "quoteId"),
      transactionId: uuid(input.transactionId, "transactionId"),
      payee: { partyIdInfo: partyIdInfo(input.payee, "payee") },
      payer: payerParty(input.payer),
      amountType: "SEND",
      amount: { amount: amount(input.amount, "amount"), currency: currency(input.currency, "currency") },
      transactionType: TRANSACTION_TYPE,
      ...(input.note ? { note: input.note.slice(0, 128) } : {}),
      ...(exp ? { expiration: exp } : {}),
    },
  };
}

export type BulkQuoteItem = { quoteId: string; transactionId: string; payee: PartyRef & { fspId: string }; amount: string; currency: string; note?: string | null };

export type BulkQuoteInput = {
  bulkQuoteId: string;
  payer: PayerInfo;
  /** The one payee FSP every item goes to (FSPIOP-Destination of the bulk). */
  payeeFsp: string;
  items: BulkQuoteItem[];
  expiration?: Date | string;
};

function checkBulkSize(count: number, what: string) {
  if (count === 0) throw new FspiopRequestBuildError(`A ${what} needs at least one item.`, "items");
  if (count > MAX_BULK_ITEMS) throw new FspiopRequestBuildError(`A ${what} carries at most ${MAX_BULK_ITEMS} items; got ${count}. Split it (splitIntoBulks).`, "items");
}

export function bulkQuoteRequest(input: BulkQuoteInput): FspiopRequest {
  checkBulkSize(input.items.length, "bulk quote");
  const exp = expiration(input.expiration);
  return {
    method: "POST",
    path: "/bulkQuotes",
    resource: "bulkQuotes",
    destination: input.payeeFsp,
    body: {
      bulkQuoteId: uuid(input.bulkQuoteId, "bulkQuoteId"),
      payer: payerParty(input.payer),
      ...(exp ? { expiration: exp } : {}),
      individualQuotes: input.items.map((item, i) => {
        if (item.payee.fspId !== input.payeeFsp) {
          throw new FspiopRequestBuildError(`items[${i}].payee is held at ${item.payee.fspId}, not at the bulk's payee FSP ${input.payeeFsp}.`, `items.${i}.payee.fspId`);
        }
        return {
          quoteId: uuid(item.quoteId, `items.${i}.quoteId`),
          transactionId: uuid(item.transactionId, `items.${i}.transactionId`),
          payee: { partyIdInfo: partyIdInfo(item.payee, `items.${i}.payee`) },
          amountType: "SEND",
          amount: { amount: amount(item.amount, `items.${i}.amount`), currency: currency(item.currency, `items.${i}.currency`) },
          transactionType: TRANSACTION_TYPE,
          ...(item.note ? { note: item.note.slice(0, 128) } : {}),
        };
      }),
    },
  };
}

export type TransferInput = {
  transferId: string;
  payerFsp: string;
  payeeFsp: string;
  amount: string;
  currency: string;
  /** From the quote, sent unchanged. */
  ilpPacket: string;
  condition: string;
  expiration: Date | string;
};

export function transferRequest(input: TransferInput): FspiopRequest {
  return {
    method: "POST",
    path: "/transfers",
    resource: "transfers",
    destination: input.payeeFsp,
    body: {
      transferId: uuid(input.transferId, "transferId"),
      payeeFsp: input.payeeFsp,
      payerFsp: input.payerFsp,
      amount: { amount: amount(input.amount, "amount"), currency: currency(input.currency, "currency") },
      ilpPacket: input.ilpPacket,
      condition: input.condition,
      expiration: expiration(input.expiration),
    },
  };
}

export type BulkTransferItem = { transferId: string; amount: string; currency: string; ilpPacket: string; condition: string };

export type BulkTransferInput = {
  bulkTransferId: string;
  bulkQuoteId: string;
  payerFsp: string;
  payeeFsp: string;
  items: BulkTransferItem[];
  expiration: Date | string;
};

export function bulkTransferRequest(input: BulkTransferInput): FspiopRequest {
  checkBulkSize(input.items.length, "bulk transfer");
  return {
    method: "POST",
    path: "/bulkTransfers",
    resource: "bulkTransfers",
    destination: input.payeeFsp,
    body: {
      bulkTransferId: uuid(input.bulkTransferId, "bulkTransferId"),
      bulkQuoteId: uuid(input.bulkQuoteId, "bulkQuoteId"),
      payerFsp: input.payerFsp,
      payeeFsp: input.payeeFsp,
      individualTransfers: input.items.map((item, i) => ({
        transferId: uuid(item.transferId, `items.${i}.transferId`),
        transferAmount: { amount: amount(item.amount, `items.${i}.amount`), currency: currency(item.currency, `items.${i}.currency`) },
        ilpPacket: item.ilpPacket,
        condition: item.condition,
      })),
      expiration: expiration(input.expiration),
    },
  };
}

/** `GET /transfers/{id}`: the switch answers with the transfer's state by callback (recovery). */
export function transferLookupRequest(transferId: string, payeeFsp?: string | null): FspiopRequest {
  return { method: "GET", path: `/transfers/${uuid(transferId, "transferId")}`, resource: "transfers", destination: payeeFsp ?? null };
}

export function bulkTransferLookupRequest(bulkTransferId: string, payeeFsp?: string | null): FspiopRequest {
  return { method: "GET", path: `/bulkTransfers/${uuid(bulkTransferId, "bulkTransferId")}`, resource: "bulkTransfers", destination: payeeFsp ?? null };
}

export function quoteLookupRequest(quoteId: string, payeeFsp?: string | null): FspiopRequest {
  return { method: "GET", path: `/quotes/${uuid(quoteId, "quoteId")}`, resource: "quotes", destination: payeeFsp ?? null };
}

export function bulkQuoteLookupRequest(bulkQuoteId: string, payeeFsp?: string | null): FspiopRequest {
  return { method: "GET", path: `/bulkQuotes/${uuid(bulkQuoteId, "bulkQuoteId")}`, resource: "bulkQuotes", destination: payeeFsp ?? null };
}

/**
 * Split items into bulks a switch takes: one payee FSP per bulk (a bulk has one FSPIOP-Destination)
 * and at most `size` (1,000) items each, keeping the given order within each FSP.
 */
export function splitIntoBulks<T>(items: readonly T[], payeeFspOf: (item: T) => string, size = MAX_BULK_ITEMS): { payeeFsp: string; items: T[] }[] {
  if (size < 1 || size > MAX_BULK_ITEMS) throw new FspiopRequestBuildError(`A bulk holds 1 to ${MAX_BULK_ITEMS} items, not ${size}.`, "size");
  const byFsp = new Map<string, T[]>();
  for (const item of items) {
    const fsp = payeeFspOf(item);
    const list = byFsp.get(fsp);
    if (list) list.push(item);
    else byFsp.set(fsp, [item]);
  }
  const bulks: { payeeFsp: string; items: T[] }[] = [];
  for (const [payeeFsp, list] of byFsp) {
    for (let i = 0; i < list.length; i += size) bulks.push({ payeeFsp, items: list.slice(i, i + size) });
  }
  return bulks;
}

/**
 * Whether a quote can still be used for its transfer: its expiration is more than `marginMs` away.
 * An expired (or nearly expired) quote is quoted again, never sent with its stale condition.
 */
export function quoteStillValid(expiration: string, now: Date = new Date(), marginMs = 5_000): boolean {
  const at = Date.parse(expiration);
  return !Number.isNaN(at) && at - now.getTime() > marginMs;
}
