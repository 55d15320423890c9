import { z } from "zod";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { loadPaymentViews } from "./payment-view";

export async function getPayment(ctx: OrgContext, id: string) {
  assertCan(ctx, "disbursements:read");
  if (!z.uuid().safeParse(id).success) throw notFound("The payment");
  const [view] = await loadPaymentViews(ctx.db, ctx.org.id, [id]);
  if (!view) throw notFound("The payment");
  return view;
}
