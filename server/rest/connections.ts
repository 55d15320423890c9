import { assertCan, type OrgContext } from "@/server/services/context";
import { badRequest } from "@/server/services/errors";
import { getConnection } from "@/server/services/connections/list-connections";
import { replaceConnectionCredentials } from "@/server/services/connections/replace-connection-credentials";
import { setConnectionEnabled } from "@/server/services/connections/set-connection-enabled";
import { updateConnection } from "@/server/services/connections/update-connection";

const UPDATE_FIELDS = ["name", "settings", "currency_mapping", "field_mapping"] as const;
const KNOWN = new Set<string>([...UPDATE_FIELDS, "credentials", "enabled"]);

/**
 * `PATCH /connections/{id}` (server/rest/openapi.ts): one REST body over the three verbs the UI calls
 * separately — change (name, settings, mappings), replace credentials, enable/disable — applied in
 * that order, each validating its own part.
 */
export async function updateConnectionFromRest(ctx: OrgContext, id: string, body: Record<string, unknown>) {
  assertCan(ctx, "connections:manage");
  const unknown = Object.keys(body).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0)
    throw badRequest(`Unknown field ${unknown.map((k) => `"${k}"`).join(", ")}.`, Object.fromEntries(unknown.map((k) => [k, "This field cannot be changed."])));
  if (body.enabled !== undefined && typeof body.enabled !== "boolean") throw badRequest("enabled must be true or false.", { enabled: "Send true or false." });
  if (body.credentials !== undefined && (typeof body.credentials !== "object" || body.credentials === null)) {
    throw badRequest("credentials must be an object.", { credentials: 'Send an object such as { "apiKey": "…" }.' });
  }
  let view = null;
  if (UPDATE_FIELDS.some((k) => body[k] !== undefined)) {
    view = await updateConnection(ctx, { id, ...Object.fromEntries(UPDATE_FIELDS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) } as Parameters<
      typeof updateConnection
    >[1]);
  }
  if (body.credentials !== undefined) view = await replaceConnectionCredentials(ctx, { id, credentials: body.credentials as Record<string, unknown> });
  if (typeof body.enabled === "boolean") view = await setConnectionEnabled(ctx, { id, enabled: body.enabled });
  return view ?? getConnection(ctx, { id });
}
