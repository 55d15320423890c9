import { getDb } from "@/db/client";
import { isRevision202303StatusBody } from "@/server/domain/g2p/revisions";
import { g2pJsonResponse } from "@/server/services/g2p/g2p-answers";
import { receiveRevision202303Status } from "@/server/services/g2p/status-revision-2023-03";
import { MAX_G2P_BODY_BYTES, g2pPostHandler, messageTsWindowSeconds } from "./receive-g2p-request";

/**
 * `POST /disburse/status` serves two revisions (docs/g2p-connect.md, "Revisions"): a body whose
 * header carries the 2023-03 revision's `timestamp` (and no `message_ts`) is that revision's status
 * request (server/services/g2p/status-revision-2023-03.ts); anything else goes through the v1.0.0
 * transport as the older name of `/disburse/search` (callback `/disburse/on-status`), unchanged.
 */
const v1StatusAlias = g2pPostHandler("status-alias");

export async function g2pStatusPostHandler(request: Request): Promise<Response> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  // Too large, or not JSON: the v1.0.0 transport gives its usual refusal.
  if (Number.isFinite(declared) && declared > MAX_G2P_BODY_BYTES) return v1StatusAlias(request);
  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (Buffer.byteLength(text) <= MAX_G2P_BODY_BYTES && isRevision202303StatusBody(body)) {
    const answer = await receiveRevision202303Status(getDb(), request, body as Record<string, unknown>, text, { windowSeconds: messageTsWindowSeconds() });
    return g2pJsonResponse(answer.body, answer.status);
  }
  // The body was read here: hand the v1.0.0 transport the same bytes and headers.
  return v1StatusAlias(new Request(request.url, { method: "POST", headers: request.headers, body: text }));
}
