import { Keypair } from "@stellar/stellar-sdk";
import type { DbOrTx } from "@/db/client";
import { assets, walletAssets, wallets } from "@/db/schema";

/**
 * The demo organization's catalog: native XLM, a demo USDC issued on the local network, and a
 * "Demo Wallet" supporting both. The payment engine makes the issuer real on the local ledger.
 */
export async function seedDemoCatalog(db: DbOrTx, orgId: string, demoIssuer = Keypair.random().publicKey()) {
  const [xlm] = await db.insert(assets).values({ orgId, code: "XLM", issuer: "" }).returning();
  const [usdc] = await db.insert(assets).values({ orgId, code: "USDC", issuer: demoIssuer }).returning();
  const [wallet] = await db
    .insert(wallets)
    .values({
      orgId,
      name: "Demo Wallet",
      homepage: "http://localhost:3000/wallet",
      // No wallet app of its own: invitations link to this platform's registration page.
      deepLinkSchema: "",
      sep10ClientDomain: "localhost",
    })
    .returning();
  if (!xlm || !usdc || !wallet) throw new Error("demo catalog insert returned nothing");
  await db.insert(walletAssets).values([
    { walletId: wallet.id, assetId: xlm.id },
    { walletId: wallet.id, assetId: usdc.id },
  ]);
  return { xlm, usdc, wallet };
}
