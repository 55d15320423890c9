import type { DbOrTx } from "@/db/client";
import { memoProblem } from "@/server/domain/csv-instructions";
import { formatStroops, parseAmount } from "@/server/domain/money";
import { guardedRequest, OutboundError } from "@/server/net/guarded-fetch";
import type { StellarSettings } from "@/server/schemas/connections.schema";
import { availableStroops, getDistributionAccount } from "@/server/stellar/accounts";
import { latestLedger, loadAccountState, type AccountState } from "@/server/stellar/horizon";
import { stellarConfig, type StellarConfig } from "@/server/stellar/network";
import { failureMessage } from "@/server/stellar/result-codes";
import type {
  Destination,
  DestinationCheck,
  FundsCheck,
  PaymentRail,
  RailCapabilities,
  RailConnection,
  RailClaimContext,
  RailClaimStep,
  RailHealth,
  RailOutcome,
} from "../payment-rail";
import { createStellarClaimStep } from "./engine/claim-payment-batch";
import { DEFAULT_LEASE_MS, MAX_OPS_PER_TRANSACTION } from "./engine/context";
import { lookupStellarTransaction, submitStellarEnvelope } from "./stellar-submission";
import { isStellarAccountAddress, isStellarContractAddress } from "./stellar-address";

/**
 * The Stellar rail's non-payment parts (docs/rails.md): destination checks, health, funds and
 * failure wording. A Stellar connection pays from the organization's distribution account on the
 * operator's network; its settings may name another Horizon (reached through the guarded client,
 * being staff-configured). Payments are claimed by the dispatcher with this rail's claim step
 * (`claimStep`: engine/claim-payment-batch.ts), sent through `submit` and recovered through `lookup`.
 */

export type StellarRailDeps = { config?: () => StellarConfig };

/** What a Stellar connection's rail reads from its settings: the stored ones plus the distribution account. */
type StellarRailSettings = StellarSettings & { network?: string; distributionAccount?: string | null };

/**
 * The settings a Stellar connection hands its rail: the stored ones (a Horizon override) plus the
 * organization's distribution account on the operator's network, looked up by whoever builds the
 * RailConnection (server/services/connections/rail-connection.ts), so the rail needs no database.
 */
export async function stellarRailSettings(db: DbOrTx, orgId: string, stored: Record<string, unknown>, config: StellarConfig = stellarConfig()) {
  const account = await getDistributionAccount(db, orgId, config.network);
  return { ...stored, network: config.network, distributionAccount: account?.publicKey ?? null };
}

/** A rail currency of a Stellar connection: `native` (XLM) or `CODE:ISSUER`. */
export function stellarAssetOf(currency: string): { code: string; issuer: string } | null {
  if (currency === "native" || currency === "XLM") return { code: "XLM", issuer: "" };
  const [code, issuer, ...rest] = currency.split(":");
  if (!code || !issuer || rest.length > 0 || !isStellarAccountAddress(issuer)) return null;
  return { code, issuer };
}

/** `CODE:ISSUER`, or `native` for XLM: the rail currency of a Stellar asset row. */
export function stellarCurrencyOf(asset: { code: string; issuer: string }): string {
  return asset.issuer === "" ? "native" : `${asset.code}:${asset.issuer}`;
}

export function checkStellarDestination(destination: Destination): DestinationCheck {
  if (destination.kind !== "STELLAR_ADDRESS") {
    return { ok: false, field: "destination", message: `A Stellar connection pays Stellar addresses, not ${destination.kind.toLowerCase().replace(/_/g, " ")}s.` };
  }
  const address = destination.value.trim().toUpperCase();
  const memo = destination.memo?.trim() ? destination.memo.trim() : null;
  if (address.startsWith("G") && isStellarAccountAddress(address)) {
    if (memo) {
      const problem = memoProblem(memo);
      if (problem) return { ok: false, field: "walletAddressMemo", message: problem };
    }
    return { ok: true, destination: { kind: "STELLAR_ADDRESS", value: address, memo, details: null } };
  }
  if (address.startsWith("C") && isStellarContractAddress(address)) {
    if (memo) return { ok: false, field: "walletAddressMemo", message: "A memo is not allowed with a contract address (C...)." };
    return { ok: true, destination: { kind: "STELLAR_ADDRESS", value: address, memo: null, details: null } };
  }
  return { ok: false, field: "walletAddress", message: "Enter a valid Stellar public key (G...) or contract address (C...)." };
}

type AccountReader = { ledger(): Promise<number>; account(id: string): Promise<AccountState | null> };

/** Horizon as this connection reaches it: the operator's through the SDK, an override through the guarded client. */
function horizonFor(settings: StellarSettings, config: StellarConfig): { url: string; reader: AccountReader } {
  if (!settings.horizonUrl) {
    const url = config.horizonUrl;
    return { url, reader: { ledger: async () => (await latestLedger(url)).sequence, account: (id) => loadAccountState(url, id) } };
  }
  const url = settings.horizonUrl;
  const getJson = async (path: string): Promise<{ status: number; body: Record<string, unknown> | null }> => {
    const res = await guardedRequest(`${url}${path}`, { headers: { accept: "application/json" }, timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 });
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      body = null;
    }
    return { status: res.status, body };
  };
  return {
    url,
    reader: {
      async ledger() {
        const { status, body } = await getJson("/");
        const sequence = Number(body?.history_latest_ledger ?? body?.core_latest_ledger);
        if (status !== 200 || !Number.isFinite(sequence)) throw new Error(`Horizon answered HTTP ${status} without a ledger`);
        return sequence;
      },
      async account(id) {
        const { status, body } = await getJson(`/accounts/${id}`);
        if (status === 404) return null;
        if (status !== 200 || !body) throw new Error(`Horizon answered HTTP ${status} for the account`);
        return {
          id,
          sequence: BigInt(String(body.sequence ?? "0")),
          balances: (body.balances ?? []) as AccountState["balances"],
          subentryCount: Number(body.subentry_count ?? 0),
          numSponsoring: Number(body.num_sponsoring ?? 0),
          numSponsored: Number(body.num_sponsored ?? 0),
          sponsor: typeof body.sponsor === "string" ? body.sponsor : null,
        };
      },
    },
  };
}

const plainError = (error: unknown) =>
  error instanceof OutboundError ? error.message : ((error as { message?: string })?.message ?? String(error)).replace(/\s+/g, " ").slice(0, 200);

export function createStellarRail(deps: StellarRailDeps = {}): PaymentRail {
  const config = deps.config ?? (() => stellarConfig());

  const distributionOf = (connection: RailConnection) => {
    const settings = connection.settings as StellarRailSettings;
    return { network: settings.network ?? config().network, publicKey: settings.distributionAccount ?? null };
  };

  const rail: PaymentRail = {
    type: "STELLAR",

    capabilities(): RailCapabilities {
      return {
        maxBatchSize: 100,
        destinationKinds: ["STELLAR_ADDRESS"],
        decimalsFor: () => 7,
        settlement: "SYNCHRONOUS",
        blocksFunds: false,
      };
    },

    checkDestination: checkStellarDestination,

    /** Healthy when Horizon answers and the organization's distribution account exists on its network. */
    async checkHealth(connection): Promise<RailHealth> {
      const { url, reader } = horizonFor(connection.settings as StellarSettings, config());
      const { network, publicKey } = distributionOf(connection);
      let ledger: number;
      try {
        ledger = await reader.ledger();
      } catch (error) {
        return { healthy: false, message: `Horizon at ${url} could not be reached: ${plainError(error)}.` };
      }
      if (!publicKey) return { healthy: false, message: `The organization has no distribution account on the ${network} network yet (the worker creates it at start).` };
      let state: AccountState | null;
      try {
        state = await reader.account(publicKey);
      } catch (error) {
        return { healthy: false, message: `Horizon at ${url} answered, but reading the distribution account failed: ${plainError(error)}.` };
      }
      if (!state) return { healthy: false, message: `The distribution account ${publicKey} does not exist on the ${network} network: fund it to create it.` };
      return { healthy: true, message: `Horizon answers (ledger ${ledger}) and the distribution account ${publicKey} exists on the ${network} network.` };
    },

    async checkFunds(connection, currency, amount): Promise<FundsCheck> {
      const asset = stellarAssetOf(currency);
      if (!asset) return { available: "0", sufficient: false, message: `${currency} is not a Stellar asset (CODE:ISSUER or native).` };
      const needed = parseAmount(amount, 7);
      const { reader } = horizonFor(connection.settings as StellarSettings, config());
      const { network, publicKey } = distributionOf(connection);
      if (!publicKey) return { available: "0", sufficient: false, message: `The organization has no distribution account on the ${network} network yet.` };
      const state = await reader.account(publicKey);
      const available = state ? availableStroops(state, asset) : 0n;
      const sufficient = needed.ok ? available >= needed.stroops : false;
      return {
        available: formatStroops(available),
        sufficient,
        ...(sufficient
          ? {}
          : { message: state ? `The distribution account holds ${formatStroops(available)} ${asset.code} available.` : "The distribution account does not exist yet." }),
      };
    },

    /**
     * Sends a transaction the engine's claim prepared and stored (its signed fee-bump envelope, whose
     * hash is the batch's reference), byte for byte, on the operator's network; one outcome per
     * operation (stellar-submission.ts).
     */
    submit(_connection, batch) {
      if (!("payload" in batch)) {
        return Promise.reject(new Error("The Stellar rail sends transactions its claim step built and stored (claimStep); this batch has no signed envelope."));
      }
      return submitStellarEnvelope(config().horizonUrl, config().passphrase, batch.reference, batch.payload, batch.payments);
    },

    /** By each payment's reference (its transaction's hash): SUCCESS / FAILED per operation, PENDING while within its bounds, UNKNOWN once it can never land. */
    async lookup(_connection, payments, batch) {
      const byHash = new Map<string, typeof payments>();
      for (const p of payments) byHash.set(p.reference, [...(byHash.get(p.reference) ?? []), p]);
      const outcomes = new Map<string, RailOutcome>();
      for (const [hash, group] of byHash) {
        const payload = batch && batch.reference === hash ? (batch.payload ?? null) : null;
        for (const o of await lookupStellarTransaction(config().horizonUrl, config().passphrase, hash, payload, group)) outcomes.set(o.paymentId, o);
      }
      return payments.map((p) => outcomes.get(p.paymentId)!);
    },

    /**
     * The Stellar hooks into the dispatcher's claim (engine/claim-payment-batch.ts): a free channel
     * account (SKIP LOCKED) reserved before the payments are locked, a fee-bumped envelope of up to
     * 100 payments built, signed and stored with its hash inside the claim's transaction; after the
     * commit, sent through this rail's `submit`, settled through the writer, recovered through `lookup`.
     */
    claimStep(ctx: RailClaimContext): RailClaimStep {
      const settings = ctx.settings;
      return createStellarClaimStep(
        {
          db: ctx.db,
          config: config(),
          log: {
            info: (obj, msg) => ctx.log.info(obj, msg),
            warn: (obj, msg) => ctx.log.warn(obj, msg),
            error: (obj, msg) => ctx.log.error(obj, msg),
            debug: (obj, msg) => ctx.log.debug?.(obj, msg),
          },
          maxOpsPerTx: Math.max(1, Math.min(settings.maxBatchSize ?? MAX_OPS_PER_TRANSACTION, MAX_OPS_PER_TRANSACTION)),
          leaseMs: settings.leaseMs ?? DEFAULT_LEASE_MS,
          orgIds: ctx.orgIds,
          // Envelopes leave through this rail, on the configuration read once here.
          rail,
          completeFinished: ctx.completeFinished,
        },
        { concurrency: settings.concurrency, autoSetup: settings.autoSetup, setupAfter: settings.setupAfter },
      );
    },

    describeFailure(code: string): string {
      return failureMessage(code, "the asset");
    },
  };
  return rail;
}

export const stellarRail: PaymentRail = createStellarRail();
