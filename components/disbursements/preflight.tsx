"use client";

import { useQuery } from "@tanstack/react-query";
import { CircleAlert, CircleCheck, TriangleAlert, X } from "lucide-react";
import Link from "next/link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { cn } from "@/lib/utils";
import { CopyValue, DateTime, formatCount, type RouterOutputs } from "./common";
import { plural, pluralWord } from "@/lib/format";

export type PreflightResult = RouterOutputs["stellar"]["preflight"];
type Problem = PreflightResult["problems"][number];

const PROBLEM_LABELS: Record<Problem["code"], string> = {
  no_account: "Account missing",
  no_trust: "No trustline",
  not_authorized: "Not authorized",
  contract_address: "Contract address",
};

/**
 * The preflight check of a disbursement's destinations, run on demand (the button on the detail
 * page, and when the start dialog opens). The result stays in the query cache for the page.
 */
export function usePreflight(id: string) {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.stellar.preflight.queryOptions({ id }), enabled: false, staleTime: 0, retry: false });
  return { ...query, run: () => query.refetch() };
}

/** One sentence for a result without problems. */
function okText(r: PreflightResult): string {
  const unregistered =
    r.unregistered > 0 ? ` ${plural(r.unregistered, "receiver has", "receivers have")} not registered a wallet address yet and will be checked once they do.` : "";
  if (r.checked === 0) {
    return r.unregistered > 0 ? `No registered destination to check yet.${unregistered}` : "Nothing left to check: every payment was sent or canceled.";
  }
  return `All ${plural(r.checked, "destination is", "destinations are")} ready: ${pluralWord(r.checked, "the account exists", "each account exists")}${r.asset_code === "XLM" ? "" : ` and trusts ${r.asset_code}`}.${unregistered}`;
}

/** The result of a preflight: ready, the ledger unreachable, or the problems per receiver. */
export function PreflightReport({
  result,
  error,
  running,
  checkedAt,
  compact = false,
  onClose,
}: {
  result: PreflightResult | undefined;
  error: unknown;
  running: boolean;
  checkedAt?: number;
  /** Inside the start dialog: a shorter list. */
  compact?: boolean;
  onClose?: () => void;
}) {
  const close = onClose ? (
    <Button variant="ghost" size="icon" className="absolute top-2 right-2 size-7" aria-label="Close the preflight result" onClick={onClose}>
      <X aria-hidden />
    </Button>
  ) : null;
  if (running && !result) {
    return (
      <div className="flex items-center gap-2 rounded-lg border border-border p-3 text-sm" data-testid="preflight-running">
        <Spinner size="sm" label="Checking the destinations on the ledger" showLabel />
      </div>
    );
  }
  if (error && !result) {
    return (
      <Alert variant="destructive" data-testid="preflight-result" data-outcome="error">
        <CircleAlert aria-hidden />
        <AlertTitle>The preflight could not run</AlertTitle>
        <AlertDescription>{messageOf(error)}</AlertDescription>
        {close}
      </Alert>
    );
  }
  if (!result) return null;
  const when = checkedAt ? (
    <span className="text-xs text-muted-foreground">
      Checked <DateTime value={new Date(checkedAt).toISOString()} withSeconds />
      {running ? " · checking again…" : ""}
    </span>
  ) : null;

  if (result.ledger_error) {
    return (
      <Alert variant="destructive" data-testid="preflight-result" data-outcome="ledger-error" className={cn(close && "pr-10")}>
        <CircleAlert aria-hidden />
        <AlertTitle>The destinations could not be checked</AlertTitle>
        <AlertDescription className="space-y-1">
          <p>{result.ledger_error} Try again in a moment.</p>
          {when}
        </AlertDescription>
        {close}
      </Alert>
    );
  }
  if (result.ok) {
    return (
      <Alert variant="success" data-testid="preflight-result" data-outcome="ok" className={cn(close && "pr-10")}>
        <CircleCheck aria-hidden />
        <AlertTitle>{result.checked > 0 ? `All ${plural(result.checked, "destination is", "destinations are")} ready` : "Nothing to check"}</AlertTitle>
        <AlertDescription className="space-y-1 text-foreground">
          <p>{okText(result)}</p>
          {when}
        </AlertDescription>
        {close}
      </Alert>
    );
  }

  const problems = result.problems;
  const shown = compact ? problems.slice(0, 5) : problems;
  return (
    <Alert variant="warning" data-testid="preflight-result" data-outcome="problems" className={cn(close && "pr-10")}>
      <TriangleAlert aria-hidden />
      <AlertTitle>
        {plural(problems.length, "payment", "payments")} of {formatCount(result.checked)} will fail as things stand
      </AlertTitle>
      <AlertDescription className="min-w-0 space-y-2">
        <p>
          {compact
            ? "You can still start: these payments fail with the reason shown and can be retried once the receiver fixes their account."
            : "Ask these receivers to create or fix their account, or cancel their payments. The others are ready."}
        </p>
        {compact ? (
          <ul className="space-y-1.5" data-testid="preflight-problems">
            {shown.map((p) => (
              <li key={p.payment_id} className="text-sm" data-testid={`preflight-problem-${p.address}`}>
                <span className="font-medium">{p.contact ?? p.external_id}</span>{" "}
                <code className="text-xs text-muted-foreground">
                  {p.address.slice(0, 4)}…{p.address.slice(-4)}
                </code>
                <span className="block text-muted-foreground">{p.message}</span>
              </li>
            ))}
            {problems.length > shown.length && <li className="text-sm text-muted-foreground">and {plural(problems.length - shown.length, "more", "more")}.</li>}
          </ul>
        ) : (
          <div className="-mx-1 overflow-x-auto rounded-md border border-border bg-card">
            <Table data-testid="preflight-problems">
              <TableHeader>
                <TableRow>
                  <TableHead>Receiver</TableHead>
                  <TableHead>Address</TableHead>
                  <TableHead>Problem</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {shown.map((p) => (
                  <TableRow key={p.payment_id} data-testid={`preflight-problem-${p.address}`}>
                    <TableCell className="whitespace-nowrap">
                      <Link href={`/receivers/${p.receiver_id}`} className="text-primary hover:underline">
                        {p.contact ?? p.external_id}
                      </Link>
                      {p.contact && <span className="block text-xs text-muted-foreground">{p.external_id}</span>}
                    </TableCell>
                    <TableCell>
                      <CopyValue value={p.address} label={`address of ${p.contact ?? p.external_id}`} />
                    </TableCell>
                    <TableCell>
                      <span className="font-medium">{PROBLEM_LABELS[p.code] ?? p.code}</span>
                      <span className="block text-muted-foreground">{p.message}</span>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        )}
        {when}
      </AlertDescription>
      {close}
    </Alert>
  );
}
