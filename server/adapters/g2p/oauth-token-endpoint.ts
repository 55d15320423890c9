import { getDb } from "@/db/client";
import { clientIp } from "@/server/http/client-ip";
import { logger } from "@/server/log";
import { issueG2pAccessToken } from "@/server/services/g2p/oauth-tokens";

/** Token requests are a few short parameters; anything bigger is not one. */
const MAX_TOKEN_REQUEST_BYTES = 8 * 1024;

/**
 * `POST /oauth2/client/token` (and under the G2P base path, where the spec's authz API puts it):
 * the OAuth2 client-credentials grant of docs/g2p-connect.md#authorization. Answers are never
 * cached (RFC 6749 §5.1).
 */
export async function oauthTokenPost(request: Request): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" };
  const json = (status: number, body: unknown, extra: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { ...headers, ...extra } });
  try {
    const length = Number(request.headers.get("content-length") ?? "0");
    const body = length > MAX_TOKEN_REQUEST_BYTES ? null : await request.text();
    if (body === null || Buffer.byteLength(body) > MAX_TOKEN_REQUEST_BYTES) {
      return json(400, { error: "invalid_request", error_description: `The token request is larger than ${MAX_TOKEN_REQUEST_BYTES} bytes.` });
    }
    const answer = await issueG2pAccessToken(getDb(), {
      contentType: request.headers.get("content-type"),
      authorization: request.headers.get("authorization"),
      body,
      ip: clientIp(request),
    });
    return json(answer.status, answer.body, answer.headers);
  } catch (error) {
    logger.error({ err: error }, "G2P token request failed");
    return json(500, { error: "server_error", error_description: "The token could not be issued; try again later." });
  }
}
