import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { assets, disbursementPaymentTotals, disbursements, stellarAccounts, stellarTransactions } from "@/db/schema";
import { formatStroops, toStroops } from "@/server/domain/money";
import { availableStroops, getDistributionAccount } from "@/server/stellar/accounts";
import { loadAccountState, type AccountState } from "@/server/stellar/horizon";
import { stellarConfig, type StellarConfig } from "@/server/stellar/network";
import { assertCan, type OrgContext } from "../context";

/** The page waits this long for the ledger at most, then shows the rest without balances. */
const LEDGER_TIMEOUT_MS = 8_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * What the Distribution account page shows: the address (to fund, on a real network), balances
 * per asset with what is reserved by payments in flight, the channel accounts, recent
 * transactions. Never the secret. When the ledger cannot be reached the rest is still returned,
 * with `ledger_error` set and the balances null.
 */
export async function getDistributionAccountView(ctx: OrgContext, config: StellarConfig = stellarConfig()) {
  assertCan(ctx, "organization:read");
  const account = await getDistributionAccount(ctx.db, ctx.org.id, config.network);
  const orgAssets = await ctx.db
    .select({ id: assets.id, code: assets.code, issuer: assets.issuer, enabled: assets.enabled })
    .from(assets)
    .where(and(eq(assets.orgId, ctx.org.id), eq(assets.kind, "STELLAR")))
    // Native first, then by code.
    .orderBy(sql`${assets.issuer} <> ''`, asc(assets.code), asc(assets.issuer));

  // Reserved: payments not yet settled of disbursements that are sending (or paused), from the
  // maintained totals (db/schema/payment-totals.ts) rather than the payment rows.
  const reservedRows = await ctx.db
    .select({
      assetId: disbursementPaymentTotals.assetId,
      amount: sql<string>`coalesce(sum(${disbursementPaymentTotals.amount}), 0)::text`,
      count: sql<number>`coalesce(sum(${disbursementPaymentTotals.paymentCount}), 0)::int`,
    })
    .from(disbursementPaymentTotals)
    .innerJoin(disbursements, and(eq(disbursements.id, disbursementPaymentTotals.disbursementId), eq(disbursements.orgId, disbursementPaymentTotals.orgId)))
    .where(
      and(
        eq(disbursementPaymentTotals.orgId, ctx.org.id),
        inArray(disbursementPaymentTotals.status, ["READY", "PENDING", "PAUSED"]),
        inArray(disbursements.status, ["STARTED", "PAUSED"]),
      ),
    )
    .groupBy(disbursementPaymentTotals.assetId);
  const reserved = new Map(reservedRows.map((r) => [r.assetId, { stroops: toStroops(r.amount), count: r.count }]));

  let state: AccountState | null = null;
  let ledgerError: string | null = null;
  if (account) {
    try {
      state = await withTimeout(loadAccountState(config.horizonUrl, account.publicKey), LEDGER_TIMEOUT_MS, "The ledger");
    } catch (error) {
      ledgerError = `The ledger could not be reached (${(error as Error).message}).`;
    }
  }

  const channels = await ctx.db
    .select({ active: stellarAccounts.activatedAt, locked: stellarAccounts.lockedByTx })
    .from(stellarAccounts)
    .where(and(eq(stellarAccounts.orgId, ctx.org.id), eq(stellarAccounts.network, config.network), eq(stellarAccounts.kind, "channel")));
  const recent = await ctx.db
    .select({
      id: stellarTransactions.id,
      hash: stellarTransactions.hash,
      status: stellarTransactions.status,
      operationCount: stellarTransactions.operationCount,
      ledger: stellarTransactions.ledger,
      resultCode: stellarTransactions.resultCode,
      attempts: stellarTransactions.attempts,
      createdAt: stellarTransactions.createdAt,
      completedAt: stellarTransactions.completedAt,
      assetCode: assets.code,
    })
    .from(stellarTransactions)
    .innerJoin(assets, eq(assets.id, stellarTransactions.assetId))
    .where(and(eq(stellarTransactions.orgId, ctx.org.id), eq(stellarTransactions.network, config.network)))
    .orderBy(desc(stellarTransactions.createdAt))
    .limit(20);

  const ledgerKnown = account !== null && ledgerError === null;
  return {
    network: config.network,
    public_key: account?.publicKey ?? null,
    /** true: the account exists on the ledger; false: it does not (fund it); null: unknown (no account yet, or the ledger is unreachable). */
    funded: ledgerKnown ? state !== null : null,
    ledger_error: ledgerError,
    balances: orgAssets.map((a) => {
      const line =
        state?.balances.find((b) =>
          a.issuer === "" ? b.asset_type === "native" : "asset_code" in b && b.asset_code === a.code && "asset_issuer" in b && b.asset_issuer === a.issuer,
        ) ?? null;
      const held = line ? toStroops(line.balance) : null;
      const spendable = state && line ? availableStroops(state, a) : null;
      const inFlight = reserved.get(a.id) ?? { stroops: 0n, count: 0 };
      return {
        asset_id: a.id,
        asset_code: a.code,
        asset_issuer: a.issuer,
        enabled: a.enabled,
        /** The account holds (trusts) the asset; null when the ledger could not be asked. */
        trusted: state ? line !== null : null,
        /** On the ledger, exactly (7 decimals); null when unknown or not held. */
        balance: held !== null ? formatStroops(held) : null,
        /** What the network keeps back: XLM's minimum balance and selling liabilities. */
        locked: held !== null && spendable !== null ? formatStroops(held - spendable) : null,
        /** Payments of started or paused disbursements not yet settled (READY, PENDING, PAUSED). */
        reserved: formatStroops(inFlight.stroops),
        reserved_payments: inFlight.count,
        /** balance − locked − reserved: what new disbursements can use (negative: short by that much). */
        available: spendable !== null ? formatStroops(spendable - inFlight.stroops) : null,
      };
    }),
    /** CHANNEL_ACCOUNTS: how many channel accounts the platform sets up (for the funding advice). */
    channels_configured: config.channelAccounts,
    channels: { total: channels.length, active: channels.filter((c) => c.active).length, busy: channels.filter((c) => c.locked).length },
    recent_transactions: recent.map((t) => ({
      id: t.id,
      hash: t.hash,
      status: t.status,
      asset_code: t.assetCode,
      operation_count: t.operationCount,
      ledger: t.ledger,
      result_code: t.resultCode,
      attempts: t.attempts,
      created_at: t.createdAt.toISOString(),
      completed_at: t.completedAt?.toISOString() ?? null,
    })),
  };
}

export type DistributionAccountView = Awaited<ReturnType<typeof getDistributionAccountView>>;
