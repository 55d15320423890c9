"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc/client";
import { messageOf } from "@/components/trpc/errors";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { groupThousands, plural } from "@/lib/format";
import { displayAmount } from "@/server/domain/money";
import { RAIL_LABELS } from "@/server/domain/routing-rules";

/** How many unrouted payments the panel lists (the service returns up to 50). */
const LISTED = 5;

const amount = (value: string, code: string) => `${groupThousands(displayAmount(value))} ${code}`;

/**
 * "Routing" panel of a disbursement before it starts (docs/rails.md "Routing rules"): per connection,
 * how many payments and how much, and the payments no rule routes (which stop the start). Loads its
 * own query after the page has rendered, so the page's first render does not wait for it.
 */
export function RoutingPreview({ id }: { id: string }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.routing.preview.queryOptions({ disbursement_id: id }));
  const p = preview.data;
  return (
    <Card aria-labelledby="routing-preview-title" data-testid="routing-preview">
      <CardHeader>
        <CardTitle asChild>
          <h2 id="routing-preview-title">Routing</h2>
        </CardTitle>
        <CardDescription>
          Where the payments would go if it started now, by the{" "}
          <Link href="/routing" className="underline underline-offset-2">
            routing rules
          </Link>
          .
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {preview.isPending ? (
          <Skeleton className="h-16 w-full" />
        ) : preview.error ? (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(preview.error)}</AlertDescription>
          </Alert>
        ) : p && p.payments === 0 ? (
          <p className="text-sm text-muted-foreground">No payments to route.</p>
        ) : p ? (
          <>
            {p.connections.length > 0 && (
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Connection</TableHead>
                    <TableHead className="text-right">Payments</TableHead>
                    <TableHead className="text-right">Amount</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {p.connections.map((c) => (
                    <TableRow key={c.connection_id} aria-label={c.name}>
                      <TableCell>
                        <span className="font-medium">{c.name}</span> <Badge variant="secondary">{RAIL_LABELS[c.rail_type]}</Badge>{" "}
                        {!c.dispatched && <Badge variant="warning">cannot be paid yet</Badge>}
                        <span className="block text-xs text-muted-foreground">
                          {c.rules.map((r) => `${r.name}${r.via_fallback ? " (fallback)" : ""}: ${plural(r.payments, "payment")}`).join(" · ")}
                        </span>
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{groupThousands(String(c.payments))}</TableCell>
                      <TableCell className="text-right tabular-nums">{amount(c.amount, p.asset.code)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
            {p.unrouted.payments > 0 && (
              <Alert variant="destructive" data-testid="routing-unrouted">
                <AlertTitle>
                  {plural(p.unrouted.payments, "payment")} ({amount(p.unrouted.amount, p.asset.code)}) not routed: the disbursement cannot start
                </AlertTitle>
                <AlertDescription>
                  <ul className="mt-1 list-disc space-y-0.5 pl-5">
                    {p.unrouted.listed.slice(0, LISTED).map((u) => (
                      <li key={u.payment_id}>
                        Line {u.line_number ?? "?"}, {u.receiver_external_id}, {amount(u.amount, p.asset.code)}: {u.reason}
                      </li>
                    ))}
                  </ul>
                  {p.unrouted.payments > LISTED && <p className="mt-1">and {plural(p.unrouted.payments - LISTED, "more payment")}.</p>}
                </AlertDescription>
              </Alert>
            )}
          </>
        ) : null}
      </CardContent>
    </Card>
  );
}
