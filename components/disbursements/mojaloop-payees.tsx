"use client";

import { CircleCheck, TriangleAlert } from "lucide-react";
import Link from "next/link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Progress } from "@/components/ui/progress";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { groupThousands, plural } from "@/lib/format";
import { PAYEE_LOOKUP_LABELS, type PayeeLookupStatus } from "@/server/domain/mojaloop-preflight";
import { displayAmount } from "@/server/domain/money";
import type { RouterOutputs } from "./common";

export type MojaloopPreflightResult = RouterOutputs["disbursements"]["mojaloopPreflight"];
type Payee = MojaloopPreflightResult["payees"][number];

const TONES: Record<PayeeLookupStatus, "success" | "secondary" | "warning" | "destructive" | "outline"> = {
  NOT_REQUESTED: "outline",
  PENDING: "secondary",
  RESOLVED: "success",
  NOT_FOUND: "destructive",
  FAILED: "warning",
};

const who = (p: Payee) => `Line ${p.line_number ?? "?"}, ${p.external_id}${p.phone ? `, ${p.phone}` : ""}`;

/** A payee's lookup status as a badge; a PENDING lookup past its timeout reads "No answer". */
export function PayeeLookupBadge({ payee }: { payee: Pick<Payee, "status" | "timed_out"> }) {
  if (payee.status === "PENDING" && payee.timed_out) return <Badge variant="warning">No answer</Badge>;
  return <Badge variant={TONES[payee.status]}>{PAYEE_LOOKUP_LABELS[payee.status]}</Badge>;
}

/** How far the lookups are: a bar while the switch is answering, then the counts per outcome. */
export function MojaloopLookupSummary({ result }: { result: MojaloopPreflightResult }) {
  const c = result.counts;
  const asked = c.payees - c.not_requested;
  const answered = asked - c.pending;
  const parts = [
    `${groupThousands(String(c.resolved))} found`,
    c.not_found > 0 && `${groupThousands(String(c.not_found))} not found`,
    c.failed > 0 && `${groupThousands(String(c.failed))} failed`,
    c.pending - c.no_answer > 0 && `${groupThousands(String(c.pending - c.no_answer))} waiting`,
    c.no_answer > 0 && `${groupThousands(String(c.no_answer))} without an answer`,
    c.not_requested > 0 && `${groupThousands(String(c.not_requested))} not looked up`,
  ].filter(Boolean);
  return (
    <div className="space-y-2" data-testid="mojaloop-lookup-summary">
      {result.in_progress && (
        <Progress
          value={asked === 0 ? 0 : (answered / asked) * 100}
          label="Payee lookups answered"
          valueText={`${answered} of ${asked} payees answered`}
          data-testid="mojaloop-lookup-progress"
        />
      )}
      <p className="text-sm">
        <span className="font-medium">{plural(c.payees, "payee")}</span>
        {": "}
        {parts.join(" · ")}
        {result.in_progress ? " — the switch is answering…" : "."}
      </p>
    </div>
  );
}

/** The first payees in file order with the party name and FSP the switch resolved. */
export function MojaloopPayeesTable({ result }: { result: MojaloopPreflightResult }) {
  const shown = result.payees;
  return (
    <div className="overflow-x-auto rounded-md border border-border">
      <Table data-testid="mojaloop-payees">
        <TableHeader>
          <TableRow>
            <TableHead className="w-14">Line</TableHead>
            <TableHead>Payee</TableHead>
            <TableHead>Party name</TableHead>
            <TableHead>FSP</TableHead>
            <TableHead className="text-right">Amount</TableHead>
            <TableHead>Lookup</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {shown.map((p) => (
            <TableRow key={p.payment_id} aria-label={p.phone ?? p.external_id}>
              <TableCell className="tabular-nums">{p.line_number ?? "–"}</TableCell>
              <TableCell className="whitespace-nowrap">
                <Link href={`/receivers/${p.receiver_id}`} className="text-primary hover:underline">
                  {p.phone ?? "no phone number"}
                </Link>
                <span className="block text-xs text-muted-foreground">{p.external_id}</span>
              </TableCell>
              <TableCell>{p.party_name ?? <span className="text-muted-foreground">–</span>}</TableCell>
              <TableCell className="font-mono text-xs">{p.fsp_id ?? <span className="font-sans text-muted-foreground">–</span>}</TableCell>
              <TableCell className="text-right whitespace-nowrap tabular-nums">
                {groupThousands(displayAmount(p.amount))} {result.asset_code}
              </TableCell>
              <TableCell>
                <PayeeLookupBadge payee={p} />
                {p.problem && p.status !== "NOT_REQUESTED" && <span className="block max-w-72 text-xs text-muted-foreground">{p.problem}</span>}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {result.counts.payees > shown.length && (
        <p className="border-t border-border px-3 py-2 text-xs text-muted-foreground">
          The first {shown.length} of {plural(result.counts.payees, "payee")}; the counts above cover all of them.
        </p>
      )}
    </div>
  );
}

/**
 * The payees the switch could not resolve, each with the reason, and "Exclude unresolved" for those
 * who may cancel payments. Nothing unresolved: one line saying every payee looked up was found.
 */
export function MojaloopUnresolved({ result, canExclude, onExclude }: { result: MojaloopPreflightResult; canExclude: boolean; onExclude: () => void }) {
  const { unresolved, excludable, counts } = result;
  if (excludable === 0) {
    if (counts.resolved === 0 || counts.pending > 0 || counts.not_requested > 0) return null;
    return (
      <Alert variant="success" data-testid="mojaloop-all-resolved">
        <CircleCheck aria-hidden />
        <AlertTitle>Every payee was found</AlertTitle>
        <AlertDescription className="text-foreground">The switch knows all {plural(counts.resolved, "phone number")}; the payments can start.</AlertDescription>
      </Alert>
    );
  }
  return (
    <Alert variant="warning" data-testid="mojaloop-unresolved">
      <TriangleAlert aria-hidden />
      <AlertTitle>{plural(excludable, "payee")} could not be resolved</AlertTitle>
      <AlertDescription className="space-y-2">
        <p>Their payments would fail at the switch. Check the numbers with the programme, or exclude them: their payments are canceled and the others start.</p>
        <ul className="space-y-1" aria-label="Unresolved payees">
          {unresolved.map((p) => (
            <li key={p.payment_id} className="text-sm" data-testid="mojaloop-unresolved-payee">
              <span className="font-medium">{who(p)}</span>: {p.problem}
            </li>
          ))}
          {excludable > unresolved.length && <li className="text-sm text-muted-foreground">and {plural(excludable - unresolved.length, "more")}.</li>}
        </ul>
        {canExclude ? (
          <Button variant="destructive" size="sm" onClick={onExclude}>
            Exclude unresolved
          </Button>
        ) : (
          <p className="text-xs text-muted-foreground">Owners and financial controllers can exclude them.</p>
        )}
      </AlertDescription>
    </Alert>
  );
}

/** Confirms "Exclude unresolved": the payments are canceled, which is final. */
export function ExcludeUnresolvedDialog({
  count,
  open,
  pending,
  error,
  onOpenChange,
  onConfirm,
}: {
  count: number;
  open: boolean;
  pending: boolean;
  error: string | null;
  onOpenChange: (open: boolean) => void;
  onConfirm: () => void;
}) {
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title={`Exclude ${plural(count, "unresolved payee")}?`}
      description={`Their ${plural(count, "payment is", "payments are")} canceled (this cannot be undone) with the reason the switch gave; the rest of the disbursement is not changed. A payee looked up again later is not brought back.`}
      confirmLabel={`Cancel ${plural(count, "payment")}`}
      pendingLabel="Canceling…"
      cancelLabel="Keep them"
      variant="destructive"
      pending={pending}
      error={error}
      onConfirm={onConfirm}
    />
  );
}
