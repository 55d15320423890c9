import { Account, Asset, Memo, Operation, TransactionBuilder, type FeeBumpTransaction, type Keypair } from "@stellar/stellar-sdk";
import { formatStroops, toStroops } from "@/server/domain/money";
import { memoType } from "@/server/domain/csv-instructions";

export type PaymentOperation = { destination: string; amount: string };

export type BuildPaymentTransactionInput = {
  passphrase: string;
  /** Fee bid per operation, in stroops. */
  baseFee: number;
  channel: Keypair;
  /** The channel's current sequence number on the ledger; the transaction uses the next one. */
  channelSequence: bigint;
  distribution: Keypair;
  asset: { code: string; issuer: string };
  payments: PaymentOperation[];
  /** One memo per transaction, so a payment with a memo travels alone. */
  memo: string | null;
  /** Valid until this time (unix seconds) and in ledgers before `maxLedger`. */
  maxTime: number;
  maxLedger: number;
};

export type BuiltPaymentTransaction = {
  envelope: FeeBumpTransaction;
  envelopeXdr: string;
  /** Hash of the fee bump: what is submitted and looked up. */
  hash: string;
  innerHash: string;
  sequence: bigint;
};

export function stellarAsset(asset: { code: string; issuer: string }): Asset {
  return asset.issuer === "" ? Asset.native() : new Asset(asset.code, asset.issuer);
}

/**
 * One transaction of up to 100 payments: the channel account is the transaction source (so many
 * transactions can be pending at once), the distribution account is every operation's source and
 * pays the fee through a fee bump (channels hold no XLM). Signed by the channel and the
 * distribution account; the fee bump by the distribution account.
 */
export function buildPaymentTransaction(input: BuildPaymentTransactionInput): BuiltPaymentTransaction {
  if (input.payments.length === 0 || input.payments.length > 100) throw new Error("a payment transaction holds 1 to 100 payments");
  const asset = stellarAsset(input.asset);
  const source = new Account(input.channel.publicKey(), input.channelSequence.toString());
  const builder = new TransactionBuilder(source, {
    fee: String(input.baseFee),
    networkPassphrase: input.passphrase,
    timebounds: { minTime: 0, maxTime: input.maxTime },
    ledgerbounds: { minLedger: 0, maxLedger: input.maxLedger },
  });
  for (const p of input.payments) {
    // Amounts from NUMERIC(19,7) strings, normalised to exactly 7 decimals.
    const amount = formatStroops(toStroops(p.amount));
    builder.addOperation(Operation.payment({ destination: p.destination, asset, amount, source: input.distribution.publicKey() }));
  }
  if (input.memo !== null) builder.addMemo(memoType(input.memo) === "id" ? Memo.id(input.memo) : Memo.text(input.memo));
  const inner = builder.build();
  inner.sign(input.channel, input.distribution);
  const envelope = TransactionBuilder.buildFeeBumpTransaction(input.distribution, String(input.baseFee), inner, input.passphrase);
  envelope.sign(input.distribution);
  return {
    envelope,
    envelopeXdr: envelope.toXDR(),
    hash: Buffer.from(envelope.hash()).toString("hex"),
    innerHash: Buffer.from(inner.hash()).toString("hex"),
    sequence: input.channelSequence + 1n,
  };
}
