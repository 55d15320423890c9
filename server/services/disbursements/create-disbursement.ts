import { and, eq } from "drizzle-orm";
import { createDisbursementInput, type CreateDisbursementInput } from "@/server/schemas/disbursements.schema";
import { assets, disbursements, walletAssets, wallets } from "@/db/schema";
import type { DbOrTx } from "@/db/client";
import { isDirectPayeeType, type RegistrationContactType, type VerificationField } from "@/server/domain/disbursement-types";
import { formatStroops, parseAmount } from "@/server/domain/money";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict } from "../errors";
import { getDisbursement } from "./get-disbursement";

export { createDisbursementInput, type CreateDisbursementInput } from "@/server/schemas/disbursements.schema";

/** What a new disbursement is made of, once its input is parsed (the UI's form, REST, or a G2P envelope). */
export type NewDisbursement = {
  name: string;
  walletId: string | null;
  assetId: string;
  registrationContactType: RegistrationContactType;
  verificationField: VerificationField | null;
  receiverRegistrationMessageTemplate?: string | null;
  declaredCount: number | null;
  /** Exact decimal string, or null. */
  declaredTotal: string | null;
  scheduledAt: Date | null;
  /** G2P envelopes are made READY (their items arrive with them) and start themselves once complete and due. */
  ready?: boolean;
  autoStart?: boolean;
};

/**
 * The one creation rule set, in the caller's transaction (createDisbursement; the G2P envelope of a
 * new transaction, server/services/g2p/accept-disburse-request.ts): permission, wallet provider
 * enabled and supporting the asset (or, for bank accounts, an enabled fiat currency and no wallet
 * provider), a name unique in the organization. Status history names the actor (an API key acts as its creator).
 */
export async function insertDisbursement(tx: DbOrTx, ctx: OrgContext, input: NewDisbursement): Promise<typeof disbursements.$inferSelect> {
  assertCan(ctx, "disbursements:write");
  // Bank accounts and Mojaloop phone payees are paid without a wallet provider (isDirectPayeeType).
  const bank = isDirectPayeeType(input.registrationContactType);
  // FOR SHARE: a soft delete of the wallet or asset (server/services/catalog/) waits for this disbursement
  // and then sees it, or this waits for the delete and sees the row deleted.
  const [wallet] = bank
    ? []
    : await tx
        .select()
        .from(wallets)
        .where(and(eq(wallets.id, input.walletId ?? ""), eq(wallets.orgId, ctx.org.id)))
        .for("share");
  if (!bank && !wallet) throw badRequest("Invalid wallet provided", { wallet_id: "wallet not found" });
  if (wallet?.deletedAt) throw badRequest("Invalid wallet provided", { wallet_id: `${wallet.name} was deleted` });
  const [asset] = await tx
    .select()
    .from(assets)
    .where(and(eq(assets.id, input.assetId), eq(assets.orgId, ctx.org.id)))
    .for("share");
  if (!asset) throw badRequest("Invalid asset provided", { asset_id: "asset not found" });
  if (asset.deletedAt) throw badRequest("Invalid asset provided", { asset_id: `${asset.code} was deleted` });
  let walletId: string | null = null;
  if (bank || !wallet) {
    // Bank accounts are paid in a fiat currency through a bank connection, without a wallet provider (docs/rails.md "Destinations").
    if (asset.kind !== "FIAT") {
      const what = input.registrationContactType === "DIRECT_PHONE" ? "A direct-phone (Mojaloop)" : "A bank-account";
      throw badRequest(`${what} disbursement pays a fiat currency`, { asset_id: `${asset.code} is a Stellar asset; choose a fiat currency` });
    }
    if (!asset.enabled) throw badRequest("Asset is not enabled", { asset_id: `${asset.code} is disabled` }, "RESOURCE_DISABLED");
  } else {
    if (!wallet.enabled) throw badRequest("Wallet is not enabled", { wallet_id: `${wallet.name} is disabled` }, "RESOURCE_DISABLED");
    const supported = await tx.query.walletAssets.findFirst({
      where: and(eq(walletAssets.walletId, wallet.id), eq(walletAssets.assetId, asset.id)),
    });
    if (!supported) {
      throw badRequest("Asset not supported by the wallet", { asset_id: `${wallet.name} does not support ${asset.code}` });
    }
    walletId = wallet.id;
  }
  const taken = await tx.query.disbursements.findFirst({
    where: and(eq(disbursements.orgId, ctx.org.id), eq(disbursements.name, input.name)),
  });
  if (taken) throw conflict("disbursement already exists", { name: `a disbursement named "${input.name}" already exists` }, "ALREADY_EXISTS");
  const now = new Date().toISOString();
  const [row] = await tx
    .insert(disbursements)
    .values({
      orgId: ctx.org.id,
      name: input.name,
      walletId,
      assetId: asset.id,
      status: input.ready ? "READY" : "DRAFT",
      registrationContactType: input.registrationContactType,
      verificationField: input.verificationField,
      receiverRegistrationMessageTemplate: input.receiverRegistrationMessageTemplate,
      declaredCount: input.declaredCount,
      declaredTotal: input.declaredTotal,
      scheduledAt: input.scheduledAt,
      autoStart: input.autoStart ?? false,
      createdBy: ctx.actor.userId,
      statusHistory: [
        { user_id: ctx.actor.userId, status: "DRAFT", timestamp: now },
        ...(input.ready ? [{ user_id: ctx.actor.userId, status: "READY" as const, timestamp: now }] : []),
      ],
    })
    .onConflictDoNothing()
    .returning();
  // A concurrent create of the same name loses the unique index race.
  if (!row) throw conflict("disbursement already exists", { name: `a disbursement named "${input.name}" already exists` }, "ALREADY_EXISTS");
  return row;
}

/** Create a disbursement in DRAFT, recording its author in status_history. */
export async function createDisbursement(ctx: OrgContext, raw: CreateDisbursementInput) {
  assertCan(ctx, "disbursements:write");
  const input = createDisbursementInput.parse(raw);
  const declaredTotal = input.declared_total === null ? null : parseAmount(input.declared_total);
  const scheduledAt = input.scheduled_at ? new Date(input.scheduled_at) : null;
  // A schedule date in the past would be due at once and never cancellable: surely a mistake.
  if (scheduledAt && scheduledAt.getTime() <= Date.now()) {
    throw badRequest("The schedule date must be in the future.", { scheduled_at: "must be in the future" });
  }
  const row = await ctx.db.transaction((tx) =>
    insertDisbursement(tx, ctx, {
      name: input.name,
      walletId: input.wallet_id ?? null,
      assetId: input.asset_id,
      registrationContactType: input.registration_contact_type,
      verificationField: input.verification_field ?? null,
      receiverRegistrationMessageTemplate: input.receiver_registration_message_template,
      declaredCount: input.declared_count ?? null,
      declaredTotal: declaredTotal?.ok ? formatStroops(declaredTotal.stroops) : null,
      scheduledAt,
    }),
  );
  return getDisbursement(ctx, row.id);
}
