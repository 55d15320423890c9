import type { z } from "zod";
import { describeFspiopError } from "./fspiop-errors";
import { fspiopResourceOf, type FspiopResource } from "./fspiop-headers";
import { checkFulfilment } from "./fspiop-ilp";
import {
  bulkQuotesPutBody,
  bulkTransfersPutBody,
  correlationId,
  errorCallbackBody,
  firstIssue,
  partiesPutBody,
  PARTY_ID_TYPES,
  quotesPutBody,
  transfersPutBody,
  type FspiopBulkQuoteResult,
  type FspiopBulkTransferResult,
  type FspiopParty,
  type FspiopQuoteResult,
  type FspiopTransferResult,
  type PartyIdType,
} from "./fspiop-schemas";

/**
 * Callbacks from the switch (docs/rails/mojaloop.md): `parseFspiopCallback` turns one received
 * request — method, path segments after the connection's callback prefix, headers, body — into a
 * typed event, or a refusal naming what is wrong (the route answers it with its HTTP status). It
 * checks the form only; whether the source address is the connection's switch, the JWS signature
 * (fspiop-jws.ts) and whether the id is one of ours are the route's and the rail's business. Pure.
 */

export type FspiopError = { code: string; description: string; words: string };

type Common = { source: string | null; destination: string | null };

export type FspiopCallbackEvent = Common &
  (
    | {
        kind: "PARTY";
        partyIdType: PartyIdType;
        partyIdentifier: string;
        subIdOrType: string | null;
        party: FspiopParty;
        fspId: string | null;
        displayName: string | null;
      }
    | { kind: "PARTY_ERROR"; partyIdType: PartyIdType; partyIdentifier: string; subIdOrType: string | null; error: FspiopError }
    | { kind: "QUOTE"; quoteId: string; quote: FspiopQuoteResult }
    | { kind: "BULK_QUOTE"; bulkQuoteId: string; bulkQuote: FspiopBulkQuoteResult }
    | { kind: "TRANSFER"; transferId: string; transfer: FspiopTransferResult }
    | { kind: "BULK_TRANSFER"; bulkTransferId: string; bulkTransfer: FspiopBulkTransferResult }
    | { kind: "ERROR"; resource: Exclude<FspiopResource, "parties">; id: string; error: FspiopError }
  );

export type FspiopCallbackRefusal = {
  /** 404 unknown resource or path, 405 not a PUT, 400 invalid headers or body. */
  status: 400 | 404 | 405;
  /** The field at fault ("transferState", "header content-type", "path"). */
  field: string;
  message: string;
};

export type FspiopCallbackResult = { ok: true; event: FspiopCallbackEvent } | { ok: false; refusal: FspiopCallbackRefusal };

type Headers = Record<string, string | string[] | undefined>;

function headerOf(headers: Headers, name: string): string | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return (Array.isArray(value) ? value[0] : value) ?? null;
  }
  return null;
}

const refuse = (status: FspiopCallbackRefusal["status"], field: string, message: string): FspiopCallbackResult => ({ ok: false, refusal: { status, field, message } });

function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): { ok: true; value: T } | { ok: false; result: FspiopCallbackResult } {
  let value = body;
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(body.toString());
    } catch {
      return { ok: false, result: refuse(400, "(body)", `The ${what} callback's body is not JSON.`) };
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    return { ok: false, result: refuse(400, field, `The ${what} callback's ${field} ${message}.`) };
  }
  return { ok: true, value: parsed.data };
}

function toError(info: { errorCode: string; errorDescription: string }): FspiopError {
  return { code: info.errorCode, description: info.errorDescription, words: describeFspiopError(info.errorCode, info.errorDescription) };
}

/** The payee's name as a person reads it: `name`, else first, middle and last name. */
export function partyDisplayName(party: FspiopParty): string | null {
  if (party.name?.trim()) return party.name.trim();
  const complex = party.personalInfo?.complexName;
  const parts = [complex?.firstName, complex?.middleName, complex?.lastName].filter((p): p is string => !!p?.trim());
  return parts.length > 0 ? parts.join(" ") : null;
}

/**
 * Parse one callback. `pathSegments`: the URL path after the connection's prefix, split on "/" and
 * decoded, e.g. ["transfers", "<id>", "error"]. `body`: the parsed JSON, or the raw text/bytes.
 */
export function parseFspiopCallback(method: string, pathSegments: readonly string[], headers: Headers, body: unknown): FspiopCallbackResult {
  const segments = pathSegments.filter((s) => s.length > 0);
  const resource = fspiopResourceOf(segments[0] ?? "");
  if (!resource)
    return refuse(404, "path", `Unknown FSPIOP resource "${segments[0] ?? ""}": callbacks are for parties, quotes, bulkQuotes, transfers and bulkTransfers.`);
  if (method.toUpperCase() !== "PUT") return refuse(405, "method", `Callbacks of ${resource} are PUT requests, not ${method.toUpperCase()}.`);

  const contentType = headerOf(headers, "content-type");
  const typeMatch = contentType ? /^application\/vnd\.interoperability\.([A-Za-z]+)\+json\s*;\s*version=(\d+)(?:\.(\d+))?\s*$/.exec(contentType) : null;
  if (!typeMatch)
    return refuse(400, "header content-type", `Content-Type must be application/vnd.interoperability.${resource}+json;version=1.x, got ${contentType ?? "none"}.`);
  if (typeMatch[1] !== resource) return refuse(400, "header content-type", `Content-Type names the resource ${typeMatch[1]}, but the path is a ${resource} callback.`);
  if (typeMatch[2] !== "1") return refuse(400, "header content-type", `Only FSPIOP major version 1 is spoken here, got version ${typeMatch[2]}.`);
  const source = headerOf(headers, "fspiop-source");
  if (!source) return refuse(400, "header fspiop-source", "The callback lacks the FSPIOP-Source header.");
  const common: Common = { source, destination: headerOf(headers, "fspiop-destination") };

  const isError = segments[segments.length - 1] === "error";
  const idSegments = isError ? segments.slice(1, -1) : segments.slice(1);

  if (resource === "parties") {
    if (idSegments.length < 2 || idSegments.length > 3) return refuse(404, "path", "A parties callback's path is /parties/{Type}/{ID}[/{SubId}][/error].");
    const [type, identifier, sub] = idSegments as [string, string, string | undefined];
    if (!(PARTY_ID_TYPES as readonly string[]).includes(type)) return refuse(400, "path", `"${type}" is not an FSPIOP party id type.`);
    const base = { partyIdType: type as PartyIdType, partyIdentifier: identifier, subIdOrType: sub ?? null };
    if (isError) {
      const parsed = parseBody(errorCallbackBody, body, "parties error");
      if (!parsed.ok) return parsed.result;
      return { ok: true, event: { ...common, kind: "PARTY_ERROR", ...base, error: toError(parsed.value.errorInformation) } };
    }
    const parsed = parseBody(partiesPutBody, body, "parties");
    if (!parsed.ok) return parsed.result;
    const p = parsed.value.party;
    if (p.partyIdInfo.partyIdType !== type || p.partyIdInfo.partyIdentifier !== identifier) {
      return refuse(
        400,
        "party.partyIdInfo",
        `The party in the body (${p.partyIdInfo.partyIdType} ${p.partyIdInfo.partyIdentifier}) is not the one in the path (${type} ${identifier}).`,
      );
    }
    return { ok: true, event: { ...common, kind: "PARTY", ...base, party: p, fspId: p.partyIdInfo.fspId ?? null, displayName: partyDisplayName(p) } };
  }

  if (idSegments.length !== 1) return refuse(404, "path", `A ${resource} callback's path is /${resource}/{ID}[/error].`);
  const id = idSegments[0]!;
  if (!correlationId.safeParse(id).success) return refuse(400, "path", `The ${resource} id "${id}" is not a UUID.`);
  const lowerId = id.toLowerCase();

  if (isError) {
    const parsed = parseBody(errorCallbackBody, body, `${resource} error`);
    if (!parsed.ok) return parsed.result;
    return { ok: true, event: { ...common, kind: "ERROR", resource, id: lowerId, error: toError(parsed.value.errorInformation) } };
  }
  switch (resource) {
    case "quotes": {
      const parsed = parseBody(quotesPutBody, body, "quotes");
      return parsed.ok ? { ok: true, event: { ...common, kind: "QUOTE", quoteId: lowerId, quote: parsed.value } } : parsed.result;
    }
    case "bulkQuotes": {
      const parsed = parseBody(bulkQuotesPutBody, body, "bulkQuotes");
      return parsed.ok ? { ok: true, event: { ...common, kind: "BULK_QUOTE", bulkQuoteId: lowerId, bulkQuote: parsed.value } } : parsed.result;
    }
    case "transfers": {
      const parsed = parseBody(transfersPutBody, body, "transfers");
      return parsed.ok ? { ok: true, event: { ...common, kind: "TRANSFER", transferId: lowerId, transfer: parsed.value } } : parsed.result;
    }
    case "bulkTransfers": {
      const parsed = parseBody(bulkTransfersPutBody, body, "bulkTransfers");
      return parsed.ok ? { ok: true, event: { ...common, kind: "BULK_TRANSFER", bulkTransferId: lowerId, bulkTransfer: parsed.value } } : parsed.result;
    }
  }
}

/**
 * What one transfer's answer means for its payment. SUCCESS only when COMMITTED with a fulfilment
 * whose SHA-256 is the condition it was sent with; UNVERIFIED when the switch says committed but the
 * fulfilment does not check (never SUCCESS: the rail asks again with GET /transfers/{id} and staff are
 * told); PENDING while RECEIVED or RESERVED.
 */
export type TransferVerdict =
  | { status: "SUCCESS"; fulfilment: string; completedAt: string | null }
  | { status: "FAILED"; code: string; message: string }
  | { status: "PENDING"; state: string }
  | { status: "UNVERIFIED"; reason: string };

export function transferVerdict(result: FspiopTransferResult, condition: string): TransferVerdict {
  switch (result.transferState) {
    case "COMMITTED": {
      const check = checkFulfilment(result.fulfilment, condition);
      return check.ok
        ? { status: "SUCCESS", fulfilment: result.fulfilment!, completedAt: result.completedTimestamp ?? null }
        : { status: "UNVERIFIED", reason: check.reason };
    }
    case "ABORTED":
      return { status: "FAILED", code: "ABORTED", message: "The switch aborted the transfer; no money moved." };
    default:
      return { status: "PENDING", state: result.transferState };
  }
}

/**
 * Per-transfer verdicts of a bulk transfer's answer, for the transfers sent in it (`sent`: transfer
 * id → condition). A transfer with an errorInformation fails with its code in plain words; one with
 * a fulfilment is SUCCESS when it checks; a transfer the answer does not mention stays PENDING (while
 * the bulk is not final) or is reported missing. Results for ids we did not send are listed apart.
 */
export function bulkTransferVerdicts(
  result: FspiopBulkTransferResult,
  sent: ReadonlyMap<string, string>,
): { verdicts: Map<string, TransferVerdict>; unknownIds: string[] } {
  const verdicts = new Map<string, TransferVerdict>();
  const unknownIds: string[] = [];
  for (const item of result.individualTransferResults ?? []) {
    const id = item.transferId.toLowerCase();
    const condition = sent.get(id);
    if (condition === undefined) {
      unknownIds.push(id);
      continue;
    }
    if (item.errorInformation) {
      verdicts.set(id, {
        status: "FAILED",
        code: item.errorInformation.errorCode,
        message: describeFspiopError(item.errorInformation.errorCode, item.errorInformation.errorDescription),
      });
      continue;
    }
    const check = checkFulfilment(item.fulfilment, condition);
    verdicts.set(
      id,
      check.ok ? { status: "SUCCESS", fulfilment: item.fulfilment!, completedAt: result.completedTimestamp ?? null } : { status: "UNVERIFIED", reason: check.reason },
    );
  }
  const final = result.bulkTransferState === "COMPLETED" || result.bulkTransferState === "REJECTED";
  for (const id of sent.keys()) {
    if (verdicts.has(id)) continue;
    verdicts.set(
      id,
      final && result.bulkTransferState === "REJECTED"
        ? { status: "FAILED", code: "REJECTED", message: "The switch rejected the whole bulk transfer; no money moved." }
        : final
          ? { status: "UNVERIFIED", reason: "the completed bulk transfer's answer does not mention this transfer" }
          : { status: "PENDING", state: result.bulkTransferState },
    );
  }
  return { verdicts, unknownIds };
}
