import { eq, sql } from "drizzle-orm";
import type { FeeBumpTransaction } from "@stellar/stellar-sdk";
import { assets, stellarAccounts, stellarTransactionPayments, stellarTransactions } from "@/db/schema";
import type { PaymentStatusHistoryEntry } from "@/server/domain/disbursement-types";
import { getDistributionAccount, keypairOf } from "../accounts";
import { loadAccountState, recentLedger } from "../horizon";
import { failureMessage } from "../result-codes";
import { buildPaymentTransaction } from "./build-payment-transaction";
import { MAX_OPS_PER_TRANSACTION, type EngineContext } from "./context";

export type ClaimedTransaction = {
  id: string;
  orgId: string;
  hash: string;
  envelope: FeeBumpTransaction;
  sequence: bigint;
  channelAccountId: string;
  attempts: number;
  paymentIds: string[];
};

export type ClaimResult =
  | { kind: "built"; transaction: ClaimedTransaction }
  /** No READY payment of a STARTED disbursement with a registered wallet (and a free channel). */
  | { kind: "idle" }
  /** Work exists but every channel of that organization is busy (or unusable). */
  | { kind: "busy" };

type ClaimRow = { id: string; disbursement_id: string; amount: string; address: string; memo: string | null };

const CONTRACT_ADDRESS = /^C/;

/**
 * Claim one batch and turn it into a stored, signed transaction, all in ONE database transaction:
 * lock READY payments of STARTED disbursements whose receiver wallet is REGISTERED (SKIP LOCKED, one
 * organization and asset), lock a free channel account (SKIP LOCKED), build and sign, then store the
 * hash and envelope, move the payments to PENDING (with history) and lock the channel. Nothing is
 * submitted here: once this commits, the stored hash is how every later step finds the outcome.
 */
export async function claimPaymentBatch(ctx: EngineContext): Promise<ClaimResult> {
  const { config } = ctx;
  const maxOps = Math.max(1, Math.min(ctx.maxOpsPerTx, MAX_OPS_PER_TRANSACTION));
  const orgFilter = ctx.orgIds ? sql`and p.org_id in (select json_array_elements_text(${JSON.stringify(ctx.orgIds)}::json)::uuid)` : sql``;

  return ctx.db.transaction(async (tx) => {
    // 1. A group (organization, asset) with claimable work and a free channel; locks one payment.
    const [group] = await tx.execute<{ org_id: string; asset_id: string }>(sql`
      select p.org_id, p.asset_id
      from payments p
      join disbursements d on d.id = p.disbursement_id
      join receiver_wallets rw on rw.id = p.receiver_wallet_id
      where p.status = 'READY' and d.status = 'STARTED' and rw.status = 'REGISTERED' and rw.stellar_address is not null
        ${orgFilter}
        and exists (
          select 1 from stellar_accounts c
          where c.org_id = p.org_id and c.network = ${config.network} and c.kind = 'channel'
            and c.activated_at is not null and c.locked_by_tx is null)
      order by p.created_at, p.line_number
      limit 1
      for update of p skip locked`);
    if (!group) return { kind: "idle" };

    // 2. A free channel of that organization.
    const [channel] = await tx
      .select()
      .from(stellarAccounts)
      .where(
        sql`${stellarAccounts.orgId} = ${group.org_id} and ${stellarAccounts.network} = ${config.network} and ${stellarAccounts.kind} = 'channel'
            and ${stellarAccounts.activatedAt} is not null and ${stellarAccounts.lockedByTx} is null`,
      )
      .limit(1)
      .for("update", { skipLocked: true });
    if (!channel) return { kind: "busy" };

    // 3. The payments: those without a memo first (up to maxOps), else one with a memo alone.
    const rows = [
      ...(await tx.execute<ClaimRow>(sql`
        select p.id, p.disbursement_id, p.amount::text as amount, rw.stellar_address as address, rw.stellar_memo as memo
        from payments p
        join disbursements d on d.id = p.disbursement_id
        join receiver_wallets rw on rw.id = p.receiver_wallet_id
        where p.org_id = ${group.org_id} and p.asset_id = ${group.asset_id}
          and p.status = 'READY' and d.status = 'STARTED' and rw.status = 'REGISTERED' and rw.stellar_address is not null
        order by (rw.stellar_memo is not null), p.created_at, p.line_number
        limit ${maxOps}
        for update of p skip locked`)),
    ];
    const now = new Date().toISOString();
    const contracts = rows.filter((r) => CONTRACT_ADDRESS.test(r.address));
    if (contracts.length > 0) {
      // Classic payments cannot reach contract addresses: these fail now, visibly, instead of looping.
      const message = `contract_address: ${failureMessage("contract_address", "")}`;
      const entry: PaymentStatusHistoryEntry[] = [{ status: "FAILED", status_message: message, timestamp: now }];
      await tx.execute(sql`
        update payments set status = 'FAILED', status_message = ${message},
          status_history = status_history || ${JSON.stringify(entry)}::jsonb, updated_at = now()
        where id in (select json_array_elements_text(${JSON.stringify(contracts.map((c) => c.id))}::json)::uuid) and status = 'READY'`);
    }
    const payable = rows.filter((r) => !CONTRACT_ADDRESS.test(r.address));
    const plain = payable.filter((r) => r.memo === null);
    const batch = plain.length > 0 ? plain : payable.slice(0, 1);
    if (batch.length === 0) return contracts.length > 0 ? { kind: "busy" } : { kind: "idle" };

    const distribution = await getDistributionAccount(tx, group.org_id, config.network);
    const [asset] = await tx.select().from(assets).where(eq(assets.id, group.asset_id));
    if (!distribution || !asset) return { kind: "busy" };

    // 4. The channel's sequence number: tracked after each applied transaction, else from Horizon.
    let sequence = channel.sequence;
    if (sequence === null) {
      const state = await loadAccountState(config.horizonUrl, channel.publicKey);
      if (!state) {
        await tx.update(stellarAccounts).set({ activatedAt: null, updatedAt: new Date() }).where(eq(stellarAccounts.id, channel.id));
        ctx.log.warn({ event: "stellar.channel_missing", channel: channel.publicKey }, "a channel account is missing on the ledger");
        return { kind: "busy" };
      }
      sequence = state.sequence;
    }

    // 5. Bounds: a short time window and a ledger window, so an unanswered transaction expires soon.
    const ledger = await recentLedger(config.horizonUrl);
    const maxLedger = ledger.sequence + config.txLedgerWindow;
    const maxTime = Math.floor(Date.now() / 1000) + config.txTimeoutSeconds;
    const memo = batch.length === 1 ? batch[0]!.memo : null;
    const built = buildPaymentTransaction({
      passphrase: config.passphrase,
      baseFee: config.baseFee,
      channel: keypairOf(channel),
      channelSequence: sequence,
      distribution: keypairOf(distribution),
      asset: { code: asset.code, issuer: asset.issuer },
      payments: batch.map((p) => ({ destination: p.address, amount: p.amount })),
      memo,
      maxTime,
      maxLedger,
    });

    // 6. Persist before anything is sent.
    const [stored] = await tx
      .insert(stellarTransactions)
      .values({
        orgId: group.org_id,
        network: config.network,
        channelAccountId: channel.id,
        assetId: asset.id,
        hash: built.hash,
        innerHash: built.innerHash,
        envelopeXdr: built.envelopeXdr,
        status: "BUILT",
        sequence: built.sequence,
        maxTime: new Date(maxTime * 1000),
        maxLedger,
        operationCount: batch.length,
        nextAttemptAt: new Date(Date.now() + ctx.leaseMs),
      })
      .returning({ id: stellarTransactions.id });
    if (!stored) throw new Error("storing the transaction returned nothing");
    await tx.insert(stellarTransactionPayments).values(batch.map((p, opIndex) => ({ transactionId: stored.id, paymentId: p.id, opIndex })));
    const entry: PaymentStatusHistoryEntry[] = [{ status: "PENDING", status_message: `transaction ${built.hash}`, timestamp: now }];
    const moved = await tx.execute(sql`
      update payments set status = 'PENDING', status_message = null,
        status_history = status_history || ${JSON.stringify(entry)}::jsonb, updated_at = now()
      where id in (select json_array_elements_text(${JSON.stringify(batch.map((p) => p.id))}::json)::uuid) and status = 'READY'`);
    if (moved.count !== batch.length) throw new Error(`claimed ${batch.length} payments but moved ${moved.count} to PENDING`);
    await tx.update(stellarAccounts).set({ lockedByTx: stored.id, lockedUntilLedger: maxLedger, updatedAt: new Date() }).where(eq(stellarAccounts.id, channel.id));

    return {
      kind: "built",
      transaction: {
        id: stored.id,
        orgId: group.org_id,
        hash: built.hash,
        envelope: built.envelope,
        sequence: built.sequence,
        channelAccountId: channel.id,
        attempts: 0,
        paymentIds: batch.map((p) => p.id),
      },
    };
  });
}
