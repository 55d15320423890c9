"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { TableCell, TableRow } from "@/components/ui/table";
import type { RouterOutputs } from "@/components/disbursements/common";
import { entryAmount, OutcomeBadge } from "./outcome-badge";

export type EntryRow = RouterOutputs["bankFiles"]["exceptions"]["data"][number];

/** Rows of bank file entries: outcome, reference (linking the payment it matched), amount, reason and a last cell. */
export function EntryRows({ entries, fileCell }: { entries: EntryRow[]; fileCell: (e: EntryRow) => ReactNode }) {
  return (
    <>
      {entries.map((e) => (
        <TableRow key={e.id} data-testid="entry-row">
          <TableCell>
            <OutcomeBadge outcome={e.outcome} />
          </TableCell>
          <TableCell className="max-w-56">
            {e.payment_id ? (
              <Link href={`/payments/${e.payment_id}`} className="font-mono text-xs break-all text-primary hover:underline">
                {e.end_to_end_id ?? e.payment_id}
              </Link>
            ) : (
              <span className="font-mono text-xs break-all">{e.end_to_end_id ?? "—"}</span>
            )}
            {e.bank_reference && <span className="block text-xs text-muted-foreground">Bank ref. {e.bank_reference}</span>}
          </TableCell>
          <TableCell className="text-right whitespace-nowrap tabular-nums">
            {entryAmount(e)}
            {e.reversal && <span className="block text-xs text-muted-foreground">reversal</span>}
          </TableCell>
          <TableCell className="max-w-96 text-sm">
            <span>{e.outcome_message ?? "—"}</span>
            {e.reason_code && (
              <span className="block text-xs text-muted-foreground">
                Bank: {e.entry_status} {e.reason_code}
                {e.reason_text ? ` — ${e.reason_text}` : ""}
              </span>
            )}
          </TableCell>
          <TableCell className="text-sm">{fileCell(e)}</TableCell>
        </TableRow>
      ))}
    </>
  );
}
