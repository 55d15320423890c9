/**
 * `npm run bench:g2p`: G2P Connect requests through the same transport and services the routes use
 * (receiveG2pRequest: JSON, signature, checks, acceptDisburseRequest, the callback in the outbox),
 * against real PostgreSQL. Prints wall time and items/s for a /disburse of 10,000 items paying
 * Stellar addresses, the same request repeated (idempotent: nothing written), 10,000 phone payees
 * (receivers created for registration), and a synchronous txn/status of 10,000 items.
 *
 * PostgreSQL: BENCH_DATABASE_URL, else a throw-away embedded cluster in a temporary folder. Not a test.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import os from "node:os";
import { Keypair } from "@stellar/stellar-sdk";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { g2pSenders } from "../db/schema";
import { createApiKey } from "../server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "../server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "../server/services/context";
import { receiveG2pRequest, type G2pPostEndpointKey } from "../server/adapters/g2p/receive-g2p-request";
import { signG2pMessage } from "../server/services/g2p/signature";
import { addUserToOrganization, createOrganization } from "../server/services/organization/create-organization";
import { benchDatabase } from "./lib/bench-database";

const ITEMS = 10_000;

async function main() {
  // This benchmark's own defaults, written to the environment before anything reads config() (server/config).
  process.env.ENCRYPTION_KEY ||= randomBytes(32).toString("hex");
  process.env.LOG_LEVEL ||= "warn";
  const database = await benchDatabase("sdp-bench-g2p");
  const url = database.url;
  const handle = createDb(url, { max: 4 });
  try {
    await applyMigrations(url);
    console.log(`node ${process.version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"})`);
    const suffix = randomBytes(4).toString("hex");
    const org = await createOrganization(handle.db, { name: `Bench ${suffix}`, slug: `bench-${suffix}` });
    const user = await addUserToOrganization(handle.db, { orgId: org.id, email: `bench.${suffix}@bench.local`, name: "Bench", role: "owner" });
    const catalog = await seedDemoCatalog(handle.db, org.id);
    const ctx: OrgContext = { db: handle.db, actor: { userId: user.id }, org: { id: org.id }, role: "owner" };
    const key = await createApiKey(ctx, { name: "bench", scopes: ["read:all", "write:disbursements"] });
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const senderId = `bench-registry-${suffix}`;
    await handle.db.insert(g2pSenders).values({
      orgId: org.id,
      senderId,
      name: "Bench registry",
      callbackUrl: "http://127.0.0.1:9/g2p",
      publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
      walletId: catalog.wallet.id,
      defaultAssetId: catalog.usdc.id,
    });

    const request = (endpoint: G2pPostEndpointKey, path: string, action: string, message: Record<string, unknown>, count: number, signer: KeyObject) => {
      const header = { version: "1.0.0", message_id: randomUUID(), message_ts: new Date().toISOString(), action, sender_id: senderId, total_count: count };
      const body = JSON.stringify({ signature: signG2pMessage(header, message, { keyId: `${senderId}|k`, privateKey: signer }), header, message });
      return {
        endpoint,
        req: new Request(`http://bench/api/g2p${path}`, { method: "POST", headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" }, body }),
        bytes: body.length,
      };
    };
    const rows: string[][] = [];
    const time = async (label: string, make: () => ReturnType<typeof request>, expectAck: string) => {
      const r = make();
      const started = performance.now();
      const answer = await receiveG2pRequest(handle.db, r.req, r.endpoint);
      const ms = performance.now() - started;
      const body = answer.body as { message?: { ack_status?: string; error?: unknown }; header?: { status?: string } };
      const status = body.message?.ack_status ?? body.header?.status;
      if (status !== expectAck) throw new Error(`${label}: expected ${expectAck}, got ${JSON.stringify(body).slice(0, 500)}`);
      rows.push([label, `${(r.bytes / 1024 / 1024).toFixed(1)} MB`, `${(ms / 1000).toFixed(2)} s`, Math.round(ITEMS / (ms / 1000)).toLocaleString("en-US")]);
    };

    const txn = `BENCH-${suffix}`;
    const stellarItems = Array.from({ length: ITEMS }, (_, i) => ({
      reference_id: `${txn}-${i}`,
      payer_fa: "account:bench@treasury",
      payee_fa: `stellar:${Keypair.random().publicKey()}`,
      amount: `${(i % 997) + 1}.${String(i).padStart(7, "0").slice(-7)}`,
      currency_code: "USD",
      payee_name: `Payee ${i}`,
    }));
    await time(
      `/disburse, ${ITEMS.toLocaleString("en-US")} Stellar payees`,
      () => request("disburse", "/disburse", "disburse", { transaction_id: txn, disbursements: stellarItems }, ITEMS, privateKey),
      "ACK",
    );
    await time(
      "the same request again (idempotent)",
      () => request("disburse", "/disburse", "disburse", { transaction_id: txn, disbursements: stellarItems }, ITEMS, privateKey),
      "ACK",
    );
    const phoneTxn = `${txn}-PHONES`;
    const phoneItems = Array.from({ length: ITEMS }, (_, i) => ({
      reference_id: `${phoneTxn}-${i}`,
      payee_fa: `mobile:+1415${String(2_000_000 + i).padStart(7, "0")}`,
      amount: "10",
      currency_code: "USD",
    }));
    await time(
      `/disburse, ${ITEMS.toLocaleString("en-US")} phone payees`,
      () => request("disburse", "/disburse", "disburse", { transaction_id: phoneTxn, disbursements: phoneItems }, ITEMS, privateKey),
      "ACK",
    );
    await time(
      `/disburse/sync/txn/status of ${ITEMS.toLocaleString("en-US")} items`,
      () =>
        request(
          "sync-txn-status",
          "/disburse/sync/txn/status",
          "status",
          { transaction_id: `Q-${suffix}`, txnstatus_request: { reference_id: "q", txn_type: "disburse", attribute_type: "transaction_id", attribute_value: txn } },
          1,
          privateKey,
        ),
      "succ", // the query itself succeeded; the items are rcvd
    );

    const header = ["request", "body", "wall", "items/s"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    console.log();
    console.log(header.map((h, i) => h.padEnd(widths[i]!)).join("  "));
    for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
    console.log(`\nprocess maxRSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  } finally {
    await handle.sql.end({ timeout: 5 });
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
