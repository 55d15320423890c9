import { and, eq, inArray } from "drizzle-orm";
import { assets, disbursements, payments, receivers, receiverWallets } from "@/db/schema";
import { loadAccountState } from "@/server/stellar/horizon";
import { stellarConfig, type StellarConfig } from "@/server/stellar/network";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";

export type PreflightProblem = {
  payment_id: string;
  receiver_id: string;
  /** The receiver's phone number or email, and the organization's id for them. */
  contact: string | null;
  external_id: string;
  address: string;
  code: "no_account" | "no_trust" | "not_authorized" | "contract_address";
  message: string;
};

/** One lookup waits this long at most; the first lookup the ledger does not answer ends the preflight. */
const LOOKUP_TIMEOUT_MS = 8_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Preflight (beyond SDP): before start, check that every registered destination of a disbursement
 * exists on the ledger and trusts the asset (with an authorized trustline), and name the problems
 * per receiver. Payments already PENDING, SUCCESS or CANCELED are not checked; receivers without a
 * registered address have nothing to check yet (counted in `unregistered`). When the ledger cannot
 * be reached the answer says so once (`ledger_error`) instead of blaming every receiver.
 */
export async function preflightDisbursement(ctx: OrgContext, disbursementId: string, config: StellarConfig = stellarConfig()) {
  assertCan(ctx, "disbursements:read");
  const [d] = await ctx.db
    .select({ id: disbursements.id, assetId: disbursements.assetId })
    .from(disbursements)
    .where(and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, ctx.org.id)));
  if (!d) throw notFound("The disbursement");
  const [asset] = await ctx.db
    .select()
    .from(assets)
    .where(and(eq(assets.id, d.assetId), eq(assets.orgId, ctx.org.id)));
  if (!asset) throw notFound("The disbursement's asset");
  const rows = await ctx.db
    .select({
      paymentId: payments.id,
      receiverId: payments.receiverId,
      address: receiverWallets.stellarAddress,
      phone: receivers.phoneNumber,
      email: receivers.email,
      externalId: receivers.externalId,
    })
    .from(payments)
    .innerJoin(receiverWallets, and(eq(receiverWallets.id, payments.receiverWalletId), eq(receiverWallets.orgId, ctx.org.id)))
    .innerJoin(receivers, and(eq(receivers.id, payments.receiverId), eq(receivers.orgId, ctx.org.id)))
    .where(and(eq(payments.orgId, ctx.org.id), eq(payments.disbursementId, d.id), inArray(payments.status, ["DRAFT", "READY", "PAUSED", "FAILED"])))
    .orderBy(payments.lineNumber);
  const registered = rows.filter((r) => r.address);

  const problems: PreflightProblem[] = [];
  const byAddress = new Map<string, typeof rows>();
  for (const r of registered) byAddress.set(r.address!, [...(byAddress.get(r.address!) ?? []), r]);
  const addresses = [...byAddress.keys()];
  let ledgerError: string | null = null;
  let next = 0;
  const check = async () => {
    while (next < addresses.length && ledgerError === null) {
      const address = addresses[next++]!;
      let problem: Pick<PreflightProblem, "code" | "message"> | null = null;
      if (address.startsWith("C")) {
        problem = { code: "contract_address", message: "Payments to contract addresses (C...) are not supported yet." };
      } else {
        try {
          const state = await withTimeout(loadAccountState(config.horizonUrl, address), LOOKUP_TIMEOUT_MS);
          if (!state) problem = { code: "no_account", message: "The receiver's Stellar account does not exist." };
          else if (asset.issuer !== "") {
            const line = state.balances.find((b) => "asset_code" in b && b.asset_code === asset.code && "asset_issuer" in b && b.asset_issuer === asset.issuer) as
              { is_authorized?: boolean } | undefined;
            if (!line) problem = { code: "no_trust", message: `The receiver's account does not trust ${asset.code}.` };
            else if (line.is_authorized === false) problem = { code: "not_authorized", message: `The receiver's account is not authorized to hold ${asset.code}.` };
          }
        } catch (error) {
          ledgerError ??= `The ledger could not be reached (${(error as Error).message}).`;
          return;
        }
      }
      if (problem) {
        for (const r of byAddress.get(address)!) {
          problems.push({ payment_id: r.paymentId, receiver_id: r.receiverId, contact: r.phone || r.email || null, external_id: r.externalId, address, ...problem });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, addresses.length) }, check));
  const order = new Map(rows.map((r, i) => [r.paymentId, i]));
  problems.sort((a, b) => order.get(a.payment_id)! - order.get(b.payment_id)!);
  return {
    disbursement_id: d.id,
    asset_code: asset.code,
    /** Payments with a registered address, checked (all of them unless `ledger_error`). */
    checked: ledgerError ? 0 : registered.length,
    /** Payments whose receiver has not registered an address yet: nothing to check. */
    unregistered: rows.length - registered.length,
    ok: problems.length === 0 && ledgerError === null,
    ledger_error: ledgerError as string | null,
    problems: ledgerError ? [] : problems,
  };
}

export type PreflightResult = Awaited<ReturnType<typeof preflightDisbursement>>;
