import type { Db } from "@/db/client";
import { hasScope, type ApiScope } from "@/server/domain/api-scopes";
import { G2P_TRANSPORT_ERRORS } from "@/server/domain/g2p/codes";
import { clientIp } from "@/server/http/client-ip";
import { authenticateApiKey } from "../api-keys/authenticate-api-key";
import type { OrgContext } from "../context";
import { ServiceError } from "../errors";

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

/** The API key of a G2P call (`Authorization: Bearer …`), or a G2pRefused (401). */
export async function authenticateG2pKey(db: Db, request: Request): Promise<OrgContext> {
  let ctx: OrgContext;
  try {
    ctx = await authenticateApiKey(db, { authorization: request.headers.get("authorization"), ip: clientIp(request) });
  } catch (error) {
    if (error instanceof ServiceError && error.code === "UNAUTHORIZED") {
      throw new G2pRefused(G2P_TRANSPORT_ERRORS.unauthorized, "Send a valid API key as Authorization: Bearer <key>.", 401);
    }
    throw error;
  }
  return ctx;
}

/** A G2pRefused (403) unless the key holds `scope`. */
export function requireG2pScope(ctx: OrgContext, scope: ApiScope, what: string) {
  if (!hasScope(ctx.scopes ?? [], scope)) throw new G2pRefused(G2P_TRANSPORT_ERRORS.forbidden, `This API key lacks the ${scope} scope that ${what} needs.`, 403);
}
