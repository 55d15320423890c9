import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { assets, disbursements, walletAssets, wallets } from "@/db/schema";
import { REGISTRATION_CONTACT_TYPES, VERIFICATION_FIELDS, includesWalletAddress } from "@/server/domain/disbursement-types";
import { templateProblem } from "@/server/domain/message-template";
import { formatStroops, parseAmount } from "@/server/domain/money";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict } from "../errors";
import { getDisbursement } from "./get-disbursement";

/** Payments an envelope may declare: well beyond one instructions file, within a 32-bit integer. */
const MAX_DECLARED_COUNT = 10_000_000;

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
    // The envelope (G2P Bridge), all optional: how many payments and what total the file (or a
    // G2P sender) must bring, and the earliest moment it may be paid.
    declared_count: z
      .int("Enter a whole number of payments.")
      .positive("Expect at least 1 payment.")
      .max(MAX_DECLARED_COUNT, `Expect at most ${MAX_DECLARED_COUNT.toLocaleString("en-US")} payments.`)
      .nullish()
      .describe("Envelope: the exact number of payments it will hold; it cannot start before they are all there."),
    declared_total: z
      .string()
      .trim()
      .nullish()
      .transform((v) => (v ? v : null))
      .superRefine((v, c) => {
        if (v === null) return;
        const parsed = parseAmount(v);
        if (!parsed.ok) c.addIssue({ code: "custom", message: parsed.message.replace(/^invalid amount\. /, "") });
      })
      .describe("Envelope: the exact total of its payments, a decimal string with at most 7 decimals (e.g. \"1500.25\")."),
    scheduled_at: z.iso
      .datetime({ offset: true, error: "Give a date and time with a time zone, e.g. 2030-01-31T09:00:00Z." })
      .nullish()
      .describe("Envelope: not paid before this moment, and cancellable only until then (ISO 8601 with a zone)."),
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
  const declaredTotal = input.declared_total === null ? null : parseAmount(input.declared_total);
  const scheduledAt = input.scheduled_at ? new Date(input.scheduled_at) : null;
  // A schedule date in the past would be due at once and never cancellable: surely a mistake.
  if (scheduledAt && scheduledAt.getTime() <= Date.now()) {
    throw badRequest("The schedule date must be in the future.", { scheduled_at: "must be in the future" });
  }
  const id = await ctx.db.transaction(async (tx) => {
    const wallet = await tx.query.wallets.findFirst({ where: and(eq(wallets.id, input.wallet_id), eq(wallets.orgId, ctx.org.id)) });
    if (!wallet) throw badRequest("Invalid wallet provided", { wallet_id: "wallet not found" });
    if (!wallet.enabled) throw badRequest("Wallet is not enabled", { wallet_id: `${wallet.name} is disabled` }, "RESOURCE_DISABLED");
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
    if (taken) throw conflict("disbursement already exists", { name: `a disbursement named "${input.name}" already exists` }, "ALREADY_EXISTS");
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
        declaredCount: input.declared_count ?? null,
        declaredTotal: declaredTotal?.ok ? formatStroops(declaredTotal.stroops) : null,
        scheduledAt,
        createdBy: ctx.actor.userId,
        statusHistory: [{ user_id: ctx.actor.userId, status: "DRAFT", timestamp: new Date().toISOString() }],
      })
      .onConflictDoNothing()
      .returning({ id: disbursements.id });
    // A concurrent create of the same name loses the unique index race.
    if (!row) throw conflict("disbursement already exists", { name: `a disbursement named "${input.name}" already exists` }, "ALREADY_EXISTS");
    return row.id;
  });
  return getDisbursement(ctx, id);
}
