import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import { disburseItems, disburseMessage, g2pFixture, g2pFootprint, g2pTestDb, outboundCallbacks, postG2p, signedRequest } from "./g2p-helpers";

/**
 * A /disburse larger than one insert batch, through the route: receivers, wallets, payments and
 * items are written set-based (server/services/g2p/accept-disburse-request.ts), and the items are
 * marked reported with what the answer tells. Mixes payees already known to the organization with
 * new ones, and sends the request again.
 */

const db = g2pTestDb();
const ITEMS = 2_500;

type ItemRow = {
  reference_id: string;
  reported_status: string | null;
  reported_at: Date | string | null;
  line_number: number;
  amount: string;
  status: string;
  external_payment_id: string;
  stellar_address: string;
  wallet_status: string;
};

async function itemRows(transactionId: string): Promise<ItemRow[]> {
  return [
    ...(await db.execute<ItemRow>(sql`
      select i.reference_id, i.reported_status, i.reported_at, p.line_number, p.amount::text as amount, p.status, p.external_payment_id,
        w.stellar_address, w.status as wallet_status
      from g2p_items i join g2p_transactions t on t.id = i.g2p_transaction_id
      join payments p on p.id = i.payment_id join receiver_wallets w on w.id = p.receiver_wallet_id
      where t.transaction_id = ${transactionId} order by p.line_number`)),
  ];
}

describe("G2P intake in set-based writes", () => {
  it(`accepts ${ITEMS.toLocaleString("en-US")} items with known and new payees once each, in request order, reported as answered, totals exact`, async () => {
    const fx = await g2pFixture(db);
    const send = async (message: Record<string, unknown>) => {
      const res = await postG2p("/disburse", signedRequest(fx.sender, "disburse", message), { key: fx.writeKey });
      expect(res.body?.message?.ack_status, res.text).toBe("ACK");
      return res;
    };

    // Three payees the organization already pays (receivers and registered wallets exist).
    const earlier = disburseItems(3, { prefix: "earlier" });
    await send(disburseMessage(earlier));
    const before = await g2pFootprint(db, fx.org.id);

    const items = disburseItems(ITEMS, { prefix: "batch", amount: (i) => `${(i % 97) + 1}.${String(i % 100).padStart(2, "0")}` });
    for (let k = 0; k < 3; k++) items[1_000 * k + 400]!.payee_fa = earlier[k]!.payee_fa;
    const message = disburseMessage(items);
    const transactionId = message.transaction_id as string;
    await send(message);

    const after = await g2pFootprint(db, fx.org.id);
    expect(after).toMatchObject({
      payments: before.payments + ITEMS,
      g2pItems: before.g2pItems + ITEMS,
      receivers: before.receivers + ITEMS - 3,
      receiverWallets: before.receiverWallets + ITEMS - 3,
      outbound: before.outbound + 1,
    });
    const rows = await itemRows(transactionId);
    expect(rows.map((r) => [r.reference_id, r.line_number, r.external_payment_id, r.status, r.stellar_address, r.wallet_status])).toEqual(
      items.map((item, i) => [item.reference_id, i + 1, item.reference_id, "DRAFT", item.payee_fa.slice("stellar:".length), "REGISTERED"]),
    );
    expect(rows.map((r) => Number(r.amount))).toEqual(items.map((item) => Number(item.amount)));
    // Marked reported once, with the status and time of the answer's callback.
    const reportedAt = new Set(rows.map((r) => new Date(r.reported_at!).toISOString()));
    expect(reportedAt.size).toBe(1);
    expect(new Set(rows.map((r) => r.reported_status))).toEqual(new Set(["rcvd"]));
    const callback = (await outboundCallbacks(db, fx.org.id)).at(-1)!;
    expect(callback.body.message.disbursements_status.map((d: { reference_id: string; status: string }) => [d.reference_id, d.status])).toEqual(
      items.map((item) => [item.reference_id, "rcvd"]),
    );
    expect(await checkPaymentTotals(db, fx.org.id)).toEqual([]);

    // The same request again (new message_id): nothing written, and the items are marked as reported by this answer.
    await send(message);
    expect(await g2pFootprint(db, fx.org.id)).toMatchObject({
      payments: after.payments,
      g2pItems: after.g2pItems,
      receivers: after.receivers,
      outbound: after.outbound + 1,
    });
    const again = await itemRows(transactionId);
    const againAt = new Set(again.map((r) => new Date(r.reported_at!).toISOString()));
    expect(againAt.size).toBe(1);
    expect([...againAt][0]! > [...reportedAt][0]!).toBe(true);
    expect(await checkPaymentTotals(db, fx.org.id)).toEqual([]);
  }, 120_000);
});
