import { randomUUID } from "node:crypto";
import { z } from "zod";
import { getDb } from "@/db/client";
import { hasScope } from "@/server/domain/api-scopes";
import { logger, type Logger } from "@/server/log";
import { authenticateApiKey } from "@/server/services/api-keys/authenticate-api-key";
import type { OrgContext } from "@/server/services/context";
import { forbidden, notFound } from "@/server/services/errors";
import { errorResponse, jsonResponse } from "./errors";
import { restRouteMeta, type RestRouteKey, type RestRouteMeta } from "./openapi";
import { clientIp } from "./request";
import { withSdpPagination } from "./sdp-pagination";

export type RestCall = {
  /** The API key's organization context: services check the role and the key's scopes. */
  ctx: OrgContext;
  request: Request;
  url: URL;
  /** The `{id}` path parameter, already checked to be a UUID (else 404). */
  id: string;
  meta: RestRouteMeta;
  log: Logger;
};

type RouteContext = { params?: Promise<Record<string, string | string[] | undefined>> };

/**
 * A thin REST adapter around a service call: authenticate the Bearer key (401), require the
 * route's scope (403), check the path id (404), run `fn`, and map errors to SDP's shapes.
 * `fn` returns a body (sent as JSON with the route's success status) or a ready Response.
 */
export function restHandler(key: RestRouteKey, fn: (call: RestCall) => Promise<unknown>) {
  const meta = restRouteMeta(key);
  return async function handle(request: Request, context?: RouteContext): Promise<Response> {
    const requestId = request.headers.get("x-request-id") || randomUUID();
    let log = logger.child({ reqId: requestId, route: key });
    const started = performance.now();
    let response: Response;
    try {
      const ctx = await authenticateApiKey(getDb(), { authorization: request.headers.get("authorization"), ip: clientIp(request) });
      log = log.child({ orgId: ctx.org.id, apiKeyId: ctx.apiKeyId });
      if (!hasScope(ctx.scopes ?? [], meta.scope)) throw forbidden(`This API key lacks the ${meta.scope} scope.`, "FORBIDDEN_SCOPE");
      const params = (await context?.params) ?? {};
      const id = typeof params.id === "string" ? params.id : "";
      if (meta.path.includes("{id}") && !z.uuid().safeParse(id).success) throw notFound("The resource");
      const url = new URL(request.url);
      const result = await fn({ ctx, request, url, id, meta, log });
      response = result instanceof Response ? result : jsonResponse(withSdpPagination(url, result), meta.success.status);
    } catch (error) {
      response = errorResponse(error, log);
    }
    response.headers.set("x-request-id", requestId);
    log.info({ status: response.status, ms: Math.round(performance.now() - started) }, "rest");
    return response;
  };
}
