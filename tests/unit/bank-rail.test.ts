import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleBank, type ExampleBankHandle } from "@/example-bank";
import { bankRail } from "@/server/rails/bank/bank-rail";
import { bankShipmentFile } from "@/server/rails/bank/shipment-file";
import type { RailConnection, RailPayment } from "@/server/rails/payment-rail";
import { railFor } from "@/server/rails/registry";
import { checkStellarDestination, stellarAssetOf } from "@/server/rails/stellar/stellar-rail";
import { paymentIdToEndToEndId } from "@/server/rails/bank/formats/payment-reference";

/**
 * The bank rail against the real example bank on loopback (OUTBOUND_ALLOW_HOSTS=127.0.0.1 in
 * vitest.config.ts): funds, blocks, idempotent submission by reference, status lookup and failure
 * wording; plus both rails' destination checks.
 */

const KEY = "rail-test-key";
let bank: ExampleBankHandle;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "bank-rail-"));
  bank = await startExampleBank({
    dataDir: dir,
    apiKey: KEY,
    paymentDelayMs: 3_600_000,
    rejectAccounts: ["REJECT-ME:AC04"],
    accounts: [{ account_number: "7000800090", account_holder_name: "Programme", currency: "KES", balance: "1000.00" }],
  });
});
afterAll(async () => {
  await bank?.close();
  rmSync(dir, { recursive: true, force: true });
});

const connection = (overrides: Partial<RailConnection> = {}): RailConnection => ({
  id: randomUUID(),
  orgId: randomUUID(),
  railType: "BANK",
  name: "Example bank",
  settings: { baseUrl: bank.url, debtorAccountNumber: "7000800090", debtorBankCode: "EXAMPLE_BANK", debtorName: "Programme", shipmentMode: "API" },
  credentials: { apiKey: KEY },
  currencyFor: () => "KES",
  fieldMapping: {},
  ...overrides,
});

const payment = (amount: string, account = "12345678"): RailPayment => {
  const paymentId = randomUUID();
  return {
    paymentId,
    reference: paymentIdToEndToEndId(paymentId),
    amount,
    assetId: randomUUID(),
    currency: "KES",
    decimals: 2,
    destination: { kind: "BANK_ACCOUNT", value: account, details: { bankCode: "OTHERBANK", holderName: "Jane Payee" } },
    payeeName: "Jane Payee",
  };
};

describe("bank rail", () => {
  it("is the registry's BANK rail", () => {
    expect(railFor("BANK")).toBe(bankRail);
    expect(railFor("STELLAR").type).toBe("STELLAR");
  });

  it("checks funds and blocks them with the bank", async () => {
    expect(await bankRail.checkFunds(connection(), "KES", "999.99")).toEqual({ available: "1000.00", sufficient: true });
    const short = await bankRail.checkFunds(connection(), "KES", "1000.01");
    expect(short).toMatchObject({ available: "1000.00", sufficient: false, message: "Insufficient funds" });

    const reference = `block-${randomUUID()}`;
    const block = await bankRail.blockFunds!(connection(), "KES", "100.00", reference);
    expect(block).toMatchObject({ blocked: true, reference: expect.any(String) });
    // The same request reference again is the same block, not a second one.
    expect(await bankRail.blockFunds!(connection(), "KES", "100.00", reference)).toEqual(block);
    expect(await bankRail.checkFunds(connection(), "KES", "900.01")).toMatchObject({ available: "900.00", sufficient: false });
  });

  it("submits by reference (once), answers PENDING, and looks payments up", async () => {
    const p1 = payment("10.50");
    const p2 = payment("2.25");
    const outcomes = await bankRail.submit(connection(), { reference: "batch-1", payments: [p1, p2] });
    expect(outcomes).toEqual([
      { paymentId: p1.paymentId, status: "PENDING", details: expect.objectContaining({ bankStatus: "PENDING" }) },
      { paymentId: p2.paymentId, status: "PENDING", details: expect.objectContaining({ bankStatus: "PENDING" }) },
    ]);
    // A resend after a crash: the bank answers the payments it has; nothing is paid twice.
    const again = await bankRail.submit(connection(), { reference: "batch-1", payments: [p1, p2] });
    expect(again.map((o) => o.status)).toEqual(["PENDING", "PENDING"]);
    expect(bank.bank.state.payments.size).toBe(2);

    const unknown = payment("1.00");
    const looked = await bankRail.lookup(connection(), [p1, unknown]);
    expect(looked).toEqual([
      { paymentId: p1.paymentId, status: "PENDING", details: expect.objectContaining({ bankStatus: "PENDING" }) },
      { paymentId: unknown.paymentId, status: "UNKNOWN" },
    ]);
  });

  it("fills narrative_3…6 and the pain.001 remittance text from the connection's field mapping; the references stay", async () => {
    const p = payment("3.00");
    const mapped = connection({ fieldMapping: { narrative_3: "Grant for {payee_name}, {amount} {currency}", narrative_6: "Batch {batch_reference}" } });
    await bankRail.submit(mapped, { reference: "batch-map", payments: [p] });
    const stored = bank.bank.state.payments.get(p.reference);
    expect(stored?.narratives).toEqual([p.reference, "batch-map", "Grant for Jane Payee, 3.00 KES", "", "", "Batch batch-map"]);

    const file = bankShipmentFile(connection({ fieldMapping: { remittance_information: "Benefit {payment_id} to {payee_name}" } }), {
      reference: "MSG1",
      createdAt: new Date(),
      payments: [p],
    });
    expect(file.content).toContain(`<Ustrd>Benefit ${p.paymentId} to Jane Payee</Ustrd>`);
    expect(file.content).toContain(`<EndToEndId>${p.reference}</EndToEndId>`);
    expect(bankShipmentFile(connection(), { reference: "MSG2", createdAt: new Date(), payments: [p] }).content).toContain(`<Ustrd>Payment ${p.reference}</Ustrd>`);
  });

  it("a payment the bank rejects comes back FAILED with the reason in plain words", async () => {
    // A bank that pays (or rejects) at once.
    const fastDir = mkdtempSync(path.join(os.tmpdir(), "bank-rail-fast-"));
    const fast = await startExampleBank({
      dataDir: fastDir,
      apiKey: KEY,
      paymentDelayMs: 0,
      rejectAccounts: ["REJECT-ME:AC04"],
      accounts: [{ account_number: "7000800090", currency: "KES", balance: "1000.00" }],
    });
    const c = connection({ settings: { ...connection().settings, baseUrl: fast.url } });
    const rejected = payment("3.00", "REJECT-ME");
    await bankRail.submit(c, { reference: "batch-2", payments: [rejected] });
    fast.processDuePayments();
    const [outcome] = await bankRail.lookup(c, [rejected]);
    await fast.close();
    rmSync(fastDir, { recursive: true, force: true });
    expect(outcome).toMatchObject({ paymentId: rejected.paymentId, status: "FAILED", code: "AC04" });
    expect((outcome as { message: string }).message).toMatch(/closed/i);
    expect(bankRail.describeFailure("AC04")).toMatch(/closed/i);
  });

  it("health: a wrong key and a closed port are unhealthy in plain words", async () => {
    expect(await bankRail.checkHealth(connection())).toEqual({ healthy: true, message: "The bank answered and knows the debtor account 7000800090 (available 900.00)." });
    expect(await bankRail.checkHealth(connection({ credentials: { apiKey: "wrong" } }))).toEqual({
      healthy: false,
      message: "The bank refused the API key (HTTP 401). Replace the connection's credentials with the key the bank issued.",
    });
    expect((await bankRail.checkHealth(connection({ credentials: {} }))).message).toMatch(/No API key is set/);
  });

  it("refuses to submit a FILE connection through the API", async () => {
    const file = connection({ settings: { ...connection().settings, shipmentMode: "FILE" } });
    await expect(bankRail.submit(file, { reference: "b", payments: [payment("1.00")] })).rejects.toThrow(/ships by file/);
  });

  it("checks bank destinations: IBAN checksum, account with bank code or BIC", () => {
    expect(bankRail.checkDestination({ kind: "IBAN", value: "de89 3704 0044 0532 0130 00" })).toEqual({
      ok: true,
      destination: { kind: "IBAN", value: "DE89370400440532013000", memo: null, details: null },
    });
    expect(bankRail.checkDestination({ kind: "IBAN", value: "DE89370400440532013001" })).toMatchObject({ ok: false, field: "iban" });
    expect(bankRail.checkDestination({ kind: "BANK_ACCOUNT", value: "123 456", details: { bankCode: " 001 " } })).toEqual({
      ok: true,
      destination: { kind: "BANK_ACCOUNT", value: "123456", memo: null, details: { bankCode: "001" } },
    });
    expect(bankRail.checkDestination({ kind: "BANK_ACCOUNT", value: "123456" })).toMatchObject({ ok: false, field: "bankCode" });
    expect(bankRail.checkDestination({ kind: "BANK_ACCOUNT", value: "123456", details: { bic: "NOTABIC" } })).toMatchObject({ ok: false, field: "bic" });
    expect(bankRail.checkDestination({ kind: "STELLAR_ADDRESS", value: "G..." })).toMatchObject({
      ok: false,
      message: "A bank connection pays bank accounts and IBANs, not stellar addresss.",
    });
  });
});

describe("stellar rail destinations", () => {
  const G = "GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7";
  it("accepts account addresses with a memo and contract addresses without", () => {
    expect(checkStellarDestination({ kind: "STELLAR_ADDRESS", value: G.toLowerCase(), memo: "12345" })).toEqual({
      ok: true,
      destination: { kind: "STELLAR_ADDRESS", value: G, memo: "12345", details: null },
    });
    expect(checkStellarDestination({ kind: "STELLAR_ADDRESS", value: G, memo: "x".repeat(29) })).toMatchObject({ ok: false, field: "walletAddressMemo" });
    expect(checkStellarDestination({ kind: "STELLAR_ADDRESS", value: `${G.slice(0, -1)}A` })).toMatchObject({ ok: false, field: "walletAddress" });
    expect(checkStellarDestination({ kind: "IBAN", value: "DE89370400440532013000" })).toMatchObject({ ok: false, field: "destination" });
    expect(stellarAssetOf("native")).toEqual({ code: "XLM", issuer: "" });
    expect(stellarAssetOf(`USDC:${G}`)).toEqual({ code: "USDC", issuer: G });
    expect(stellarAssetOf("USDC")).toBeNull();
  });
});
