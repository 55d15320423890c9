import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { assets, disbursements, walletAssets, wallets } from "@/db/schema";
import { REGISTRATION_CONTACT_TYPES, VERIFICATION_FIELDS, includesWalletAddress } from "@/server/domain/disbursement-types";
import { templateProblem } from "@/server/domain/message-template";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict } from "../errors";
import { getDisbursement } from "./get-disbursement";

export const createDisbursementInput = z
  .object({
    name: z.string().trim().min(1, "Enter a name.").max(128, "Use at most 128 characters."),
    wallet_id: z.uuid("Choose a wallet."),
    asset_id: z.uuid("Choose an asset."),
    registration_contact_type: z.enum(REGISTRATION_CONTACT_TYPES, {
      error: `must be one of ${REGISTRATION_CONTACT_TYPES.join(", ")}`,
    }),
    verification_field: z
      .enum(VERIFICATION_FIELDS, { error: `must be one of ${VERIFICATION_FIELDS.join(", ")}` })
      .nullish(),
    receiver_registration_message_template: z
      .string()
      .trim()
      .max(1000)
      .nullish()
      .transform((v) => (v ? v : null)),
  })
  .superRefine((v, c) => {
    if (includesWalletAddress(v.registration_contact_type)) {
      if (v.verification_field) {
        c.addIssue({
          code: "custom",
          path: ["verification_field"],
          message: `is not used with ${v.registration_contact_type}: receivers give their wallet address in the file`,
        });
      }
    } else if (!v.verification_field) {
      c.addIssue({ code: "custom", path: ["verification_field"], message: "Choose how receivers verify themselves." });
    }
    const problem = v.receiver_registration_message_template ? templateProblem(v.receiver_registration_message_template) : null;
    if (problem) c.addIssue({ code: "custom", path: ["receiver_registration_message_template"], message: `The message ${problem}.` });
  });

export type CreateDisbursementInput = z.input<typeof createDisbursementInput>;

/** Create a disbursement in DRAFT, recording its author in status_history. */
export async function createDisbursement(ctx: OrgContext, raw: CreateDisbursementInput) {
  assertCan(ctx, "disbursements:write");
  const input = createDisbursementInput.parse(raw);
  const id = await ctx.db.transaction(async (tx) => {
    const wallet = await tx.query.wallets.findFirst({ where: and(eq(wallets.id, input.wallet_id), eq(wallets.orgId, ctx.org.id)) });
    if (!wallet) throw badRequest("Invalid wallet provided", { wallet_id: "wallet not found" });
    if (!wallet.enabled) throw badRequest("Wallet is not enabled", { wallet_id: `${wallet.name} is disabled` });
    const asset = await tx.query.assets.findFirst({ where: and(eq(assets.id, input.asset_id), eq(assets.orgId, ctx.org.id)) });
    if (!asset) throw badRequest("Invalid asset provided", { asset_id: "asset not found" });
    const supported = await tx.query.walletAssets.findFirst({
      where: and(eq(walletAssets.walletId, wallet.id), eq(walletAssets.assetId, asset.id)),
    });
    if (!supported) {
      throw badRequest("Asset not supported by the wallet", { asset_id: `${wallet.name} does not support ${asset.code}` });
    }
    const taken = await tx.query.disbursements.findFirst({
      where: and(eq(disbursements.orgId, ctx.org.id), eq(disbursements.name, input.name)),
    });
    if (taken) throw conflict("disbursement already exists", { name: `a disbursement named "${input.name}" already exists` });
    const [row] = await tx
      .insert(disbursements)
      .values({
        orgId: ctx.org.id,
        name: input.name,
        walletId: wallet.id,
        assetId: asset.id,
        registrationContactType: input.registration_contact_type,
        verificationField: input.verification_field ?? null,
        receiverRegistrationMessageTemplate: input.receiver_registration_message_template,
        createdBy: ctx.actor.userId,
        statusHistory: [{ user_id: ctx.actor.userId, status: "DRAFT", timestamp: new Date().toISOString() }],
      })
      .onConflictDoNothing()
      .returning({ id: disbursements.id });
    // A concurrent create of the same name loses the unique index race.
    if (!row) throw conflict("disbursement already exists", { name: `a disbursement named "${input.name}" already exists` });
    return row.id;
  });
  return getDisbursement(ctx, id);
}
