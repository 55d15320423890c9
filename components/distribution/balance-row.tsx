"use client";

import { TableCell, TableRow } from "@/components/ui/table";
import { formatAmount, shorten, type RouterOutputs } from "@/components/disbursements/common";
import { cn } from "@/lib/utils";
import { toStroops } from "@/server/domain/money";
import { plural } from "@/lib/format";

type Balance = RouterOutputs["stellar"]["distributionAccount"]["balances"][number];

function Amount({ value, code, className }: { value: string; code: string; className?: string }) {
  return (
    <span className={cn("whitespace-nowrap tabular-nums", className)} title={`${value} ${code}`}>
      {formatAmount(value)} <span className="text-muted-foreground">{code}</span>
    </span>
  );
}

/** One asset of the distribution account: balance, amount reserved for waiting payments, and what is free. */
export function BalanceRow({ b, missing }: { b: Balance; missing: string }) {
  const short = b.available !== null && toStroops(b.available) < 0n;
  const dash = <span className="text-muted-foreground">{missing}</span>;
  return (
    <TableRow data-testid={`balance-${b.asset_code}`}>
      <TableCell className="whitespace-nowrap">
        <span className="font-medium">{b.asset_code}</span>{" "}
        {b.asset_issuer ? (
          <code className="text-xs text-muted-foreground" title={`Issuer ${b.asset_issuer}`}>
            {shorten(b.asset_issuer, 4, 4)}
          </code>
        ) : (
          <span className="text-xs text-muted-foreground">(native)</span>
        )}
        {!b.enabled && <span className="ml-2 text-xs text-muted-foreground">(disabled)</span>}
      </TableCell>
      <TableCell className="text-right" data-testid="balance-amount">
        {b.balance !== null ? (
          <Amount value={b.balance} code={b.asset_code} />
        ) : b.trusted === false ? (
          <span className="text-muted-foreground" title="The account has no trustline for this asset, so it cannot hold it.">
            Not held (no trustline)
          </span>
        ) : (
          dash
        )}
      </TableCell>
      <TableCell className="text-right">{b.locked !== null ? <Amount value={b.locked} code={b.asset_code} /> : dash}</TableCell>
      <TableCell className="text-right" data-testid="reserved-amount">
        <Amount value={b.reserved} code={b.asset_code} />
        {b.reserved_payments > 0 && <span className="block text-xs text-muted-foreground">{plural(b.reserved_payments, "payment")}</span>}
      </TableCell>
      <TableCell className="text-right font-medium" data-testid="available-amount">
        {b.available === null ? (
          dash
        ) : short ? (
          <span className="text-destructive">
            <Amount value="0" code={b.asset_code} />
            <span className="block text-xs font-normal">
              short by {formatAmount(b.available.slice(1))} {b.asset_code}
            </span>
          </span>
        ) : (
          <Amount value={b.available} code={b.asset_code} />
        )}
      </TableCell>
    </TableRow>
  );
}
