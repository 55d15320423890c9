import type { z } from "zod";
import { connectionIdInput } from "@/server/schemas/connections.schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { connectionViews } from "./connection-view";
import { parseInput } from "./connection-input";

/** Every payment connection of the organization, with its health and whether credentials are set. */
export async function listConnections(ctx: OrgContext) {
  assertCan(ctx, "connections:read");
  return connectionViews(ctx);
}

export async function getConnection(ctx: OrgContext, raw: z.input<typeof connectionIdInput>) {
  assertCan(ctx, "connections:read");
  const { id } = parseInput(connectionIdInput, raw);
  const [view] = await connectionViews(ctx, id);
  if (!view) throw notFound("The connection");
  return view;
}
