import type { Db } from "@/db/client";
import { hasScope, type ApiScope } from "@/server/domain/api-scopes";
import { G2P_TRANSPORT_ERRORS } from "@/server/domain/g2p/codes";
import { clientIp } from "@/server/http/client-ip";
import { authenticateApiKey, bearerKey } from "../api-keys/authenticate-api-key";
import type { OrgContext } from "../context";
import { ServiceError } from "../errors";
import { looksLikeJwt, verifyG2pAccessToken } from "./oauth-tokens";

/**
 * HTTP status of each transport error. 401, 403 and 500 answer the spec's HttpErrorResponse
 * `{errors: [{code, message}]}` (g2p-answers.ts `errorAnswer`); the others an ERR acknowledgement.
 */
export const ERR_HTTP_STATUS: Record<string, number> = {
  [G2P_TRANSPORT_ERRORS.requestBad]: 400,
  [G2P_TRANSPORT_ERRORS.versionNotSupported]: 400,
  [G2P_TRANSPORT_ERRORS.unauthorized]: 401,
  [G2P_TRANSPORT_ERRORS.forbidden]: 403,
  [G2P_TRANSPORT_ERRORS.notFound]: 404,
  [G2P_TRANSPORT_ERRORS.senderIdInvalid]: 403,
  [G2P_TRANSPORT_ERRORS.senderUriInvalid]: 403,
  [G2P_TRANSPORT_ERRORS.receiverIdInvalid]: 403,
  [G2P_TRANSPORT_ERRORS.signatureMissing]: 401,
  [G2P_TRANSPORT_ERRORS.signatureInvalid]: 401,
  [G2P_TRANSPORT_ERRORS.encryptionNotSupported]: 400,
  [G2P_TRANSPORT_ERRORS.serviceUnavailable]: 500,
};

export function g2pHttpStatus(code: string): number {
  return code.startsWith("rjct") ? 200 : (ERR_HTTP_STATUS[code] ?? 400);
}

/** A refusal by the G2P transport checks (before any handler ran), with the code and HTTP status it answers. */
export class G2pRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = g2pHttpStatus(code),
  ) {
    super(message);
    this.name = "G2pRefused";
  }
}

/**
 * Who makes a G2P call: an API key (`Authorization: Bearer sdp_…`) or an access token from the token
 * endpoint (`Authorization: Bearer <JWT>`, or the spec's `x-access-token` header;
 * docs/g2p-connect.md#authorization), else a G2pRefused (401). A token's context names the one
 * sender it may act for (`g2pSenderRowId`).
 */
export async function authenticateG2pKey(db: Db, request: Request): Promise<OrgContext & { g2pSenderRowId?: string }> {
  const bearer = bearerKey(request.headers.get("authorization")) ?? request.headers.get("x-access-token")?.trim() ?? null;
  if (bearer && looksLikeJwt(bearer)) {
    const ctx = await verifyG2pAccessToken(db, bearer);
    if (!ctx) {
      throw new G2pRefused(G2P_TRANSPORT_ERRORS.unauthorized, "The access token is invalid, expired or revoked; get a new one with POST /oauth2/client/token.", 401);
    }
    return ctx;
  }
  let ctx: OrgContext;
  try {
    ctx = await authenticateApiKey(db, { authorization: request.headers.get("authorization"), ip: clientIp(request) });
  } catch (error) {
    if (error instanceof ServiceError && error.code === "UNAUTHORIZED") {
      throw new G2pRefused(
        G2P_TRANSPORT_ERRORS.unauthorized,
        "Send a valid API key or access token as Authorization: Bearer <key or token> (tokens: POST /oauth2/client/token).",
        401,
      );
    }
    throw error;
  }
  return ctx;
}

/** A G2pRefused (403) unless an access token was issued to this sender (API keys act for every sender of their organization). */
export function requireTokenSender(ctx: { g2pSenderRowId?: string }, sender: { id: string; senderId: string }) {
  if (ctx.g2pSenderRowId !== undefined && ctx.g2pSenderRowId !== sender.id) {
    throw new G2pRefused(G2P_TRANSPORT_ERRORS.forbidden, `This access token was not issued to sender "${sender.senderId}".`, 403);
  }
}

/** A G2pRefused (403) unless the key holds `scope`. */
export function requireG2pScope(ctx: OrgContext, scope: ApiScope, what: string) {
  if (!hasScope(ctx.scopes ?? [], scope)) {
    const who = "g2pSenderRowId" in ctx ? "access token" : "API key";
    throw new G2pRefused(G2P_TRANSPORT_ERRORS.forbidden, `This ${who} lacks the ${scope} scope that ${what} needs.`, 403);
  }
}
