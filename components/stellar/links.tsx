"use client";

import { ExternalLink } from "lucide-react";
import { createContext, useContext } from "react";
import { CopyValue } from "@/components/disbursements/common";
import { cn } from "@/lib/utils";
import type { StellarLinks } from "@/server/stellar/explorer";

const StellarLinksContext = createContext<StellarLinks | null>(null);

/** Set once by the app layout from the server's Stellar configuration. */
export function StellarLinksProvider({ value, children }: { value: StellarLinks | null; children: React.ReactNode }) {
  return <StellarLinksContext.Provider value={value}>{children}</StellarLinksContext.Provider>;
}

export function useStellarLinks(): StellarLinks | null {
  return useContext(StellarLinksContext);
}

/**
 * A transaction hash, shortened, with a copy button and a link that opens the transaction (the
 * local ledger's JSON, or stellar.expert on testnet and pubnet).
 */
export function TransactionHash({
  hash,
  pending = false,
  head = 6,
  tail = 6,
  className,
}: {
  hash: string;
  /** Not in a ledger yet: the link may not find it until it lands. */
  pending?: boolean;
  head?: number;
  tail?: number;
  className?: string;
}) {
  const links = useStellarLinks();
  return (
    <span className={cn("inline-flex items-center gap-0.5 whitespace-nowrap", className)} data-testid="transaction-hash" data-hash={hash}>
      <CopyValue value={hash} label="transaction hash" head={head} tail={tail} className="[&>code]:break-normal [&>code]:whitespace-nowrap" />
      {links && (
        <a
          href={`${links.transactionUrlPrefix}${hash}`}
          target="_blank"
          rel="noreferrer"
          className="inline-flex size-7 items-center justify-center rounded-md text-primary hover:bg-accent"
          title={`${pending ? "Submitted, not in a ledger yet. " : ""}Open the transaction on ${links.viewerName}`}
          aria-label={`Open transaction ${hash.slice(0, 6)} on ${links.viewerName}`}
        >
          <ExternalLink aria-hidden className="size-3.5" />
        </a>
      )}
    </span>
  );
}

/** A payment's status_message as people should read it: "op_no_trust: The receiver's account…" → the sentence, with the code apart. */
export function splitStatusMessage(message: string | null | undefined): { code: string | null; text: string } | null {
  if (!message) return null;
  const match = /^((?:op|tx)_[a-z0-9_]+)(?:\/[a-z0-9_]+)?:\s*(.+)$/s.exec(message);
  if (match) return { code: match[1]!, text: match[2]! };
  return { code: null, text: message.charAt(0).toUpperCase() + message.slice(1) };
}
