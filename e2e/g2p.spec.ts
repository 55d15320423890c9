import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Keypair } from "@stellar/stellar-sdk";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { parseEd25519PublicKey, signG2pMessage, verifyG2pSignature } from "../server/services/g2p/signature";
import { signIn, unique } from "./helpers";

/**
 * G2P Connect as a social registry would use it, against the production build with its worker:
 * an owner creates an API key and registers the registry as a sender in the UI; the registry (a
 * loopback HTTP server in this process) posts a signed /disburse over HTTP, gets ACK, and receives
 * signed callbacks until every item is paid on the local ledger (or, for an account that does not
 * exist, rejected); the Integrations page lists the messages both ways.
 */
const LEDGER = `http://127.0.0.1:${process.env.E2E_LEDGER_PORT || "8100"}`;

type Callback = {
  path: string;
  /** The exact bytes received and the HTTP signature headers (callbacks are signed in both places). */
  raw: string;
  signatureHeader: string | undefined;
  digestHeader: string | undefined;
  body: {
    signature: string;
    header: { sender_id: string; status: string };
    message: { disbursements_status?: { reference_id: string; status: string; status_reason_code?: string }[] };
  };
};

function stroops(decimal: string): bigint {
  const [whole = "0", fraction = ""] = decimal.split(".");
  return BigInt(whole) * 10_000_000n + BigInt(fraction.padEnd(7, "0").slice(0, 7));
}

async function nativeBalance(request: APIRequestContext, address: string): Promise<bigint> {
  const res = await request.get(`${LEDGER}/accounts/${address}`);
  expect(res.status()).toBe(200);
  const account = (await res.json()) as { balances: { asset_type: string; balance: string }[] };
  return stroops(account.balances.find((b) => b.asset_type === "native")!.balance);
}

test("a registry registered in the UI disburses over signed G2P messages and is called back until every item is settled", async ({ page, request }) => {
  test.setTimeout(540_000);

  // --- The registry: a key pair and a callback server that records and acknowledges.
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const callbacks: Callback[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      callbacks.push({
        path: req.url ?? "",
        raw: body,
        signatureHeader: req.headers.signature as string | undefined,
        digestHeader: req.headers.digest as string | undefined,
        body: JSON.parse(body) as Callback["body"],
      });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ message: { ack_status: "ACK", timestamp: new Date().toISOString(), correlation_id: randomUUID() } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/g2p`;

  try {
    // --- An owner creates an API key for it...
    await signIn(page, "owner@demo.local");
    await page.goto("/api-keys");
    await page.getByRole("button", { name: "Create API key" }).click();
    const keyDialog = page.getByRole("dialog", { name: "Create an API key" });
    await keyDialog.getByRole("textbox", { name: "Name" }).fill(unique("Social registry"));
    await keyDialog.getByRole("checkbox", { name: "Read everything (read:all)" }).check();
    await keyDialog.getByRole("checkbox", { name: "Write disbursements (write:disbursements)" }).check();
    await keyDialog.getByRole("button", { name: "Create key" }).click();
    await expect(page.getByTestId("new-api-key")).toHaveValue(/^sdp_/);
    const apiKey = await page.getByTestId("new-api-key").inputValue();
    expect(apiKey).toMatch(/^sdp_/);
    await page.getByRole("button", { name: "I have copied the key" }).click();

    // --- ...and registers it as a sender; the page shows our receiver id and public key.
    const senderId = unique("registry");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" }).click();
    const platform = page.getByRole("region", { name: "This platform" });
    const receiverId = ((await platform.getByTestId("receiver-id").textContent()) ?? "").trim();
    const platformKey = parseEd25519PublicKey(((await platform.getByTestId("platform-public-key-pem").textContent()) ?? "").trim());
    await page.getByRole("button", { name: "Register sender" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Register a sender" });
    await dialog.getByRole("textbox", { name: "Sender id" }).fill(senderId);
    await dialog.getByRole("textbox", { name: "Name" }).fill("National social registry");
    await dialog.getByRole("textbox", { name: "Callback URL" }).fill(callbackUrl);
    await dialog.getByRole("textbox", { name: "Public key" }).fill(publicKey.export({ format: "pem", type: "spki" }).toString());
    await dialog.getByRole("combobox", { name: "Wallet" }).selectOption({ label: "Demo Wallet" });
    // XLM is no ISO 4217 currency, so items name no currency_code and are paid in the default asset.
    await dialog.getByRole("combobox", { name: "Default asset" }).selectOption({ label: "XLM" });
    await dialog.getByRole("button", { name: "Register sender" }).click();
    await expect(page.getByTestId(`sender-${senderId}`)).toBeVisible();

    // --- Three funded accounts and one that does not exist.
    const funded = [Keypair.random().publicKey(), Keypair.random().publicKey(), Keypair.random().publicKey()];
    for (const address of funded) expect((await request.get(`${LEDGER}/friendbot?addr=${address}`, { timeout: 90_000 })).ok()).toBe(true);
    const before = await Promise.all(funded.map((a) => nativeBalance(request, a)));
    const missing = Keypair.random().publicKey();
    // The spec's Amount pattern: a point and one or two decimals.
    const amounts = ["1.50", "2.00", "0.01", "3.00"];
    const transactionId = unique("TXN");
    const items = [...funded, missing].map((address, i) => ({
      reference_id: `${transactionId}-${i + 1}`,
      payer_fa: "account:relief-2026@treasury",
      payee_fa: `stellar:${address}`,
      amount: amounts[i]!,
      payee_name: `Beneficiary ${i + 1}`,
      purpose: "Drought relief",
    }));

    const post = async (path: string, action: string, message: Record<string, unknown>, count: number, where: "body" | "http" = "body") => {
      const header = {
        version: "1.0.0",
        message_id: randomUUID(),
        message_ts: new Date().toISOString(),
        action,
        sender_id: senderId,
        sender_uri: callbackUrl,
        receiver_id: receiverId,
        total_count: count,
        is_msg_encrypted: false,
      };
      const signature = signG2pMessage(header, message, { keyId: `${senderId}|key-1`, privateKey });
      // The signature in the body, or only in the HTTP Signature header (as Signature.yaml defines it).
      const res = await request.post(`/api/g2p${path}`, {
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...(where === "http" ? { signature } : {}) },
        data: where === "http" ? JSON.stringify({ header, message }) : JSON.stringify({ signature, header, message }),
      });
      return { status: res.status(), body: (await res.json()) as Record<string, any> };
    };

    // The signed request is acknowledged; the callbacks follow.
    const ack = await post("/disburse", "disburse", { transaction_id: transactionId, disbursements: items }, items.length);
    expect(ack.status).toBe(200);
    expect(ack.body.message).toMatchObject({ ack_status: "ACK" });
    expect(ack.body.message.correlation_id).toBeTruthy();

    // --- Callbacks arrive, signed by the platform, until every item is settled.
    const latest = () => {
      const seen = new Map<string, { status: string; status_reason_code?: string }>();
      for (const c of callbacks.filter((c) => c.path === "/g2p/on-disburse")) for (const s of c.body.message.disbursements_status ?? []) seen.set(s.reference_id, s);
      return seen;
    };
    await expect
      .poll(() => [...latest().values()].filter((s) => s.status === "succ" || s.status === "rjct").length, { timeout: 360_000, intervals: [1000] })
      .toBe(items.length);
    const final = latest();
    expect(funded.map((_, i) => final.get(items[i]!.reference_id)?.status)).toEqual(["succ", "succ", "succ"]);
    expect(final.get(items[3]!.reference_id)).toMatchObject({ status: "rjct", status_reason_code: "rjct.payee_fa.invalid" });
    for (const c of callbacks) {
      expect(c.body.header.sender_id).toBe(receiverId);
      expect(verifyG2pSignature(c.body.signature, c.body.header, c.body.message, platformKey)).toEqual({ ok: true });
      // The HTTP Signature header signs the exact bytes delivered (a stand-in message rules out the other digests).
      expect(c.digestHeader).toBe(`BLAKE-512=${createHash("blake2b512").update(c.raw).digest("base64")}`);
      expect(verifyG2pSignature(c.signatureHeader ?? "", c.body.header, { stand: "in" }, platformKey, { rawBody: c.raw })).toEqual({ ok: true });
    }
    // No currency_code is sent back for XLM: it is no ISO 4217 code (the asset is named in asset_code).
    const reportedItems = callbacks.flatMap((c) => (c.body.message.disbursements_status ?? []) as Record<string, unknown>[]);
    expect(reportedItems.filter((s) => s.currency_code !== undefined)).toEqual([]);
    expect(new Set(reportedItems.map((s) => s.asset_code))).toEqual(new Set(["XLM"]));
    const statusesSeen = new Set(callbacks.flatMap((c) => (c.body.message.disbursements_status ?? []).map((s) => s.status)));
    expect(statusesSeen.has("rcvd")).toBe(true);

    // The ledger agrees to the stroop.
    const after = await Promise.all(funded.map((a) => nativeBalance(request, a)));
    expect(after.map((b, i) => b - before[i]!)).toEqual(amounts.slice(0, 3).map(stroops));

    // Synchronous status by transaction says the same.
    const status = await post(
      "/disburse/sync/txn/status",
      "status",
      {
        transaction_id: unique("Q"),
        txnstatus_request: { reference_id: "q-1", txn_type: "disburse", attribute_type: "transaction_id", attribute_value: transactionId },
      },
      1,
      "http",
    );
    expect(status.status).toBe(200);
    const reported = (status.body.message.txnstatus_response.txn_status.disbursements_status as { reference_id: string; status: string }[]).map((s) => s.status);
    expect(reported).toEqual(["succ", "succ", "succ", "rjct"]);

    // --- The Integrations page lists the request and the delivered callbacks.
    await page.reload();
    const messages = page.getByRole("region", { name: "Messages" });
    await messages.getByRole("searchbox").fill(transactionId);
    const table = messages.getByRole("table");
    await expect(table.getByText("Delivered", { exact: true }).first()).toBeVisible();
    await expect(table.getByText("ACK", { exact: true })).toHaveCount(1); // the /disburse (the status query has its own transaction id)

    // --- The envelope is an ordinary disbursement for staff, with its G2P origin.
    await page.goto("/disbursements");
    await page
      .getByRole("link", { name: new RegExp(transactionId) })
      .first()
      .click();
    await expect(page.getByText("Received over G2P Connect")).toBeVisible();
    await expect(page.getByText("4 of 4 received")).toBeVisible();
  } finally {
    server.close();
  }
});
