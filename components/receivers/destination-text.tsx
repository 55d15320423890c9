"use client";

import { CopyValue } from "@/components/disbursements/common";
import { maskAccount } from "@/server/domain/destinations";

/** A receiver wallet's destination as the REST shapes give it (server/services/payments/payment-view.ts). */
export type DestinationLike = {
  kind: string;
  value: string;
  memo: string | null;
  bank_code: string | null;
  bic: string | null;
  holder_name: string | null;
} | null;

const isBank = (d: DestinationLike) => d?.kind === "IBAN" || d?.kind === "BANK_ACCOUNT";

/** "Bank account", "Phone number (Mojaloop)" or the wallet provider's name: what a receiver wallet row is, for headings and lists. */
export function walletLabel(w: { wallet: { name: string } | null; destination: DestinationLike }): string {
  if (w.wallet) return w.wallet.name;
  if (w.destination?.kind === "MSISDN") return "Phone number (Mojaloop)";
  // A Stellar address given when the receiver was added (POST /receivers), without a wallet provider.
  if (w.destination?.kind === "STELLAR_ADDRESS") return "Stellar address";
  return w.destination?.kind === "IBAN" ? "Bank account (IBAN)" : "Bank account";
}

/**
 * A bank destination in a list: the account masked to its last four characters with the bank code
 * ("•••• 1234 · KCB01"); the full value is on the payment and receiver pages (docs/rails.md "Destinations").
 */
export function MaskedBankAccount({ destination }: { destination: DestinationLike }) {
  if (!destination || !isBank(destination)) return null;
  const code = destination.bank_code ?? destination.bic;
  return (
    <span className="font-mono text-xs" title={destination.kind === "IBAN" ? "IBAN" : "Account number"}>
      {maskAccount(destination.value)}
      {code ? ` · ${code}` : ""}
    </span>
  );
}

/** The full bank destination for the detail pages: account (copyable), bank code or BIC, holder. */
export function BankAccountDetails({ destination }: { destination: DestinationLike }) {
  if (!destination || !isBank(destination)) return null;
  return (
    <span className="flex flex-col gap-0.5">
      <CopyValue value={destination.value} label={destination.kind === "IBAN" ? "IBAN" : "account number"} head={40} tail={0} />
      {(destination.bank_code || destination.bic) && (
        <span className="text-xs text-muted-foreground">
          {[destination.bank_code && `Bank code ${destination.bank_code}`, destination.bic && `BIC ${destination.bic}`].filter(Boolean).join(" · ")}
        </span>
      )}
      {destination.holder_name && <span className="text-xs text-muted-foreground">Holder: {destination.holder_name}</span>}
    </span>
  );
}

export { isBank as isBankDestination };
