import { z } from "zod";
import { createConnection } from "@/server/services/connections/create-connection";
import { deleteConnection } from "@/server/services/connections/delete-connection";
import { getConnection, listConnections } from "@/server/services/connections/list-connections";
import { replaceConnectionCredentials } from "@/server/services/connections/replace-connection-credentials";
import { setConnectionEnabled } from "@/server/services/connections/set-connection-enabled";
import { testConnection } from "@/server/services/connections/test-connection";
import { updateConnection } from "@/server/services/connections/update-connection";
import {
  connectionIdInput,
  createConnectionInput,
  replaceConnectionCredentialsInput,
  setConnectionEnabledInput,
  updateConnectionInput,
} from "@/server/schemas/connections.schema";
import { requirePermission, router } from "../init";

const read = requirePermission("connections:read");
const manage = requirePermission("connections:manage");

/**
 * The input as typed for the browser, checked by the service: its per-rail settings errors name
 * nested fields (`settings.baseUrl`), which the service reports as dotted field extras.
 */
const typed = <S extends z.ZodType>() => z.custom<z.input<S>>((value) => typeof value === "object" && value !== null, "Send an object.");

/** The Connections page (docs/rails.md "Payment connections"). */
export const connectionsRouter = router({
  list: read.query(({ ctx }) => listConnections(ctx.service)),
  get: read.input(connectionIdInput).query(({ ctx, input }) => getConnection(ctx.service, input)),
  create: manage.input(typed<typeof createConnectionInput>()).mutation(({ ctx, input }) => createConnection(ctx.service, input)),
  update: manage.input(typed<typeof updateConnectionInput>()).mutation(({ ctx, input }) => updateConnection(ctx.service, input)),
  replaceCredentials: manage.input(typed<typeof replaceConnectionCredentialsInput>()).mutation(({ ctx, input }) => replaceConnectionCredentials(ctx.service, input)),
  setEnabled: manage.input(setConnectionEnabledInput).mutation(({ ctx, input }) => setConnectionEnabled(ctx.service, input)),
  delete: manage.input(connectionIdInput).mutation(({ ctx, input }) => deleteConnection(ctx.service, input)),
  test: manage.input(connectionIdInput).mutation(({ ctx, input }) => testConnection(ctx.service, input)),
});
