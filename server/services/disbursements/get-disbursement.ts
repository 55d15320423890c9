import { z } from "zod";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { loadDisbursementViews } from "./disbursement-view";

export { disbursementIdInput } from "@/server/schemas/disbursements.schema";

export async function getDisbursement(ctx: OrgContext, id: string) {
  assertCan(ctx, "disbursements:read");
  if (!z.uuid().safeParse(id).success) throw notFound("The disbursement");
  const [view] = await loadDisbursementViews(ctx.db, ctx.org.id, [id]);
  if (!view) throw notFound("The disbursement");
  return view;
}
