import type { KeyLike } from "node:crypto";
import { guardedRequest, OutboundError, staffSnippet, type GuardOptions } from "@/server/net/guarded-fetch";
import { describeFspiopError } from "./fspiop-errors";
import { fspiopHeaders } from "./fspiop-headers";
import { signFspiopRequest } from "./fspiop-jws";
import {
  bulkQuoteLookupRequest,
  bulkQuoteRequest,
  bulkTransferLookupRequest,
  bulkTransferRequest,
  partyLookupRequest,
  quoteLookupRequest,
  quoteRequest,
  transferLookupRequest,
  transferRequest,
  type BulkQuoteInput,
  type BulkTransferInput,
  type FspiopRequest,
  type PartyRef,
  type QuoteInput,
  type TransferInput,
} from "./fspiop-requests";

/**
 * The payer DFSP's FSPIOP 1.1 client (docs/rails/mojaloop.md). FSPIOP is asynchronous: every call
 * is answered `202 Accepted` at once and its result arrives later as a PUT callback from the switch
 * (fspiop-callbacks.ts), so these methods answer only whether the switch took the request. The
 * switch's URL is configured by staff, so every call goes through the guarded outbound client
 * (server/net/guarded-fetch.ts; a loopback switch in tests is allowed by OUTBOUND_ALLOW_HOSTS).
 * When a signing key is configured each request carries an FSPIOP-Signature (fspiop-jws.ts).
 */

export type FspiopClientOptions = {
  /** The switch's FSPIOP base URL, e.g. https://switch.example/fspiop (no trailing slash needed). */
  baseUrl: string;
  /** Our FSP id at the switch (FSPIOP-Source, payerFsp). */
  fspId: string;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** RS256 private key: sign every request (FSPIOP JWS). */
  signingKey?: KeyLike | null;
  /** Outbound guard options (tests); default: OUTBOUND_ALLOW_HOSTS. */
  guard?: GuardOptions;
};

export type FspiopAccepted = { status: number; date: string };

/** The switch did not take the request: unreachable, refused by the guard, or answered with an error. */
export class FspiopRequestError extends Error {
  constructor(
    message: string,
    readonly kind: "unreachable" | "refused" | "http",
    readonly httpStatus: number | null,
    /** The FSPIOP error code the switch answered, when it did. */
    readonly code: string | null,
  ) {
    super(message);
    this.name = "FspiopRequestError";
  }
}

export class FspiopClient {
  private readonly baseUrl: string;
  constructor(private readonly options: FspiopClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  get fspId(): string {
    return this.options.fspId;
  }

  /**
   * Send one request as built (fspiop-requests.ts) and answer when the switch accepted it (2xx).
   * The body is serialised once and sent byte for byte (the JWS covers those bytes).
   */
  async send(request: FspiopRequest): Promise<FspiopAccepted> {
    const headers = fspiopHeaders({ resource: request.resource, source: this.options.fspId, destination: request.destination });
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (this.options.signingKey) {
      Object.assign(headers, signFspiopRequest({ method: request.method, uri: request.path, headers, body: body ?? "", privateKey: this.options.signingKey }));
    }
    const where = `${request.method} ${request.path}`;
    let response;
    try {
      response = await guardedRequest(`${this.baseUrl}${request.path}`, {
        ...this.options.guard,
        method: request.method,
        headers,
        body,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        maxResponseBytes: 64 * 1024,
      });
    } catch (error) {
      if (error instanceof OutboundError) {
        const kind = error.code === "destination_refused" || error.code === "url_invalid" ? "refused" : "unreachable";
        throw new FspiopRequestError(`The Mojaloop switch at ${this.baseUrl} could not be reached for ${where}: ${error.message}.`, kind, null, null);
      }
      throw error;
    }
    if (response.status >= 200 && response.status < 300) return { status: response.status, date: headers.date! };
    const text = response.body.toString("utf8");
    const info = errorInformationOf(text);
    const detail = info ? describeFspiopError(info.code, info.description) : staffSnippet(text, 160);
    throw new FspiopRequestError(
      `The Mojaloop switch answered HTTP ${response.status} to ${where}${detail ? `: ${detail}` : ""}`,
      "http",
      response.status,
      info?.code ?? null,
    );
  }

  /** `GET /parties/{Type}/{ID}`: answered by PUT /parties/... (name and FSP) or its /error. */
  lookupParty(party: PartyRef): Promise<FspiopAccepted> {
    return this.send(partyLookupRequest(party));
  }

  requestQuote(input: QuoteInput): Promise<FspiopAccepted> {
    return this.send(quoteRequest(input));
  }

  /** At most 1,000 quotes to one payee FSP (splitIntoBulks). */
  requestBulkQuote(input: BulkQuoteInput): Promise<FspiopAccepted> {
    return this.send(bulkQuoteRequest(input));
  }

  prepareTransfer(input: Omit<TransferInput, "payerFsp">): Promise<FspiopAccepted> {
    return this.send(transferRequest({ ...input, payerFsp: this.options.fspId }));
  }

  prepareBulkTransfer(input: Omit<BulkTransferInput, "payerFsp">): Promise<FspiopAccepted> {
    return this.send(bulkTransferRequest({ ...input, payerFsp: this.options.fspId }));
  }

  /** Recovery: ask for a transfer's state instead of sending it again. */
  getTransfer(transferId: string, payeeFsp?: string | null): Promise<FspiopAccepted> {
    return this.send(transferLookupRequest(transferId, payeeFsp));
  }

  getBulkTransfer(bulkTransferId: string, payeeFsp?: string | null): Promise<FspiopAccepted> {
    return this.send(bulkTransferLookupRequest(bulkTransferId, payeeFsp));
  }

  getQuote(quoteId: string, payeeFsp?: string | null): Promise<FspiopAccepted> {
    return this.send(quoteLookupRequest(quoteId, payeeFsp));
  }

  getBulkQuote(bulkQuoteId: string, payeeFsp?: string | null): Promise<FspiopAccepted> {
    return this.send(bulkQuoteLookupRequest(bulkQuoteId, payeeFsp));
  }
}

function errorInformationOf(text: string): { code: string; description: string } | null {
  try {
    const parsed = JSON.parse(text) as { errorInformation?: { errorCode?: unknown; errorDescription?: unknown } };
    const code = parsed.errorInformation?.errorCode;
    if (typeof code !== "string") return null;
    const description = parsed.errorInformation?.errorDescription;
    return { code, description: typeof description === "string" ? description : "" };
  } catch {
    return null;
  }
}
