/**
 * FSPIOP 1.1 request headers (docs/rails/mojaloop.md): the versioned content type of the resource
 * (`application/vnd.interoperability.<resource>+json;version=1.1`) as Content-Type and Accept,
 * `Date` in the HTTP date form, `FSPIOP-Source` (our FSP id) and `FSPIOP-Destination` (the payee's
 * FSP, when known: never on GET /parties, whose answer tells it). Pure.
 */

export const FSPIOP_VERSION = "1.1";

export const FSPIOP_RESOURCES = ["parties", "quotes", "bulkQuotes", "transfers", "bulkTransfers"] as const;
export type FspiopResource = (typeof FSPIOP_RESOURCES)[number];

export function fspiopContentType(resource: FspiopResource, version = FSPIOP_VERSION): string {
  return `application/vnd.interoperability.${resource}+json;version=${version}`;
}

/** The resource a path addresses ("/bulkQuotes/{id}/error" → "bulkQuotes"), or null. */
export function fspiopResourceOf(path: string): FspiopResource | null {
  const first = path.replace(/^\/+/, "").split("/")[0] ?? "";
  return (FSPIOP_RESOURCES as readonly string[]).includes(first) ? (first as FspiopResource) : null;
}

/** The HTTP date form FSPIOP asks for (RFC 7231 IMF-fixdate, e.g. "Thu, 03 Dec 2026 20:08:16 GMT"). */
export function fspiopDate(at: Date = new Date()): string {
  return at.toUTCString();
}

export type FspiopHeaderInput = {
  resource: FspiopResource;
  /** Our FSP id at the switch. */
  source: string;
  /** The payee's FSP id, when known. */
  destination?: string | null;
  date?: Date;
  /** A request with a body (POST, PUT) carries Content-Type; GET carries it too, as FSPIOP asks. */
  version?: string;
};

/** Headers of one FSPIOP request, lower-case names. */
export function fspiopHeaders(input: FspiopHeaderInput): Record<string, string> {
  const type = fspiopContentType(input.resource, input.version);
  const headers: Record<string, string> = {
    accept: type,
    "content-type": type,
    date: fspiopDate(input.date),
    "fspiop-source": input.source,
  };
  if (input.destination) headers["fspiop-destination"] = input.destination;
  return headers;
}
