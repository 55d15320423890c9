"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { messageOf } from "@/components/trpc/errors";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { groupThousands } from "@/lib/format";
import { displayAmount } from "@/server/domain/money";
import type { RailBatchStatus } from "@/server/domain/rails";
import type { RouterOutputs } from "./common";

type Shipment = RouterOutputs["disbursements"]["shipments"][number];

const STATUS_LABELS: Record<RailBatchStatus, { label: string; tone: "default" | "secondary" | "destructive" | "outline" }> = {
  CLAIMED: { label: "Checking funds", tone: "secondary" },
  FUNDS_NOT_AVAILABLE: { label: "Waiting for funds", tone: "destructive" },
  FUNDS_BLOCKED: { label: "Funds blocked", tone: "secondary" },
  SHIPPING: { label: "Shipping", tone: "secondary" },
  SHIPPED: { label: "Shipped", tone: "default" },
  AWAITING_UPLOAD: { label: "Waiting for upload", tone: "outline" },
  FAILED: { label: "Refused", tone: "destructive" },
  QUOTING: { label: "Quoting", tone: "secondary" },
  COMPLETED: { label: "Completed", tone: "default" },
};

/** A panel's heading and explanation, by the rails its batches went to. */
function describeRails(rows: Shipment[]) {
  const rails = new Set(rows.map((r) => r.rail_type));
  if (rails.size === 1 && rails.has("MOJALOOP"))
    return {
      title: "Batches to the Mojaloop switch",
      description:
        "Each batch is paid in bulks, one per payee FSP: quoted first (with the payee FSPs' fees), then transferred; each payment settles when its fulfilment checks.",
    };
  if (rails.size === 1 && rails.has("BANK"))
    return {
      title: "Shipments to banks",
      description: "Funds are checked and blocked with the bank before each batch is shipped; the bank's statements then settle the payments.",
    };
  return { title: "Batches", description: "Payments go out in batches per connection: bank batches after a funds check, Mojaloop batches in bulks per payee FSP." };
}

/**
 * The shipments of a disbursement to banks (docs/rails.md "Dispatcher"): each batch's funds check
 * and block (attempts and the bank's answer) and its shipment; file-mode batches offer the pain.001
 * download and "Mark uploaded". Loads its own query, refreshed while any batch is still moving.
 */
export function ShipmentsPanel({ id, canShip, settled }: { id: string; canShip: boolean; settled: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const shipments = useQuery({
    ...trpc.disbursements.shipments.queryOptions({ id }),
    // While the disbursement runs, batches appear and move: look again every 5 s (a settled batch list stops it).
    refetchInterval: (q) => {
      const rows = q.state.data ?? [];
      return !settled && (rows.length === 0 || rows.some((s) => s.status !== "SHIPPED" && s.status !== "FAILED" && s.status !== "COMPLETED")) ? 5000 : false;
    },
  });
  const [uploading, setUploading] = useState<Shipment | null>(null);
  const markUploaded = useMutation(
    trpc.disbursements.markShipmentUploaded.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.disbursements.shipments.queryKey({ id }) }),
      onSettled: () => setUploading(null),
    }),
  );
  const rows = shipments.data ?? [];
  if (rows.length === 0) return null;
  const { title, description } = describeRails(rows);
  return (
    <Card aria-labelledby="shipments-title" data-testid="shipments">
      <CardHeader>
        <CardTitle asChild>
          <h2 id="shipments-title">{title}</h2>
        </CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {markUploaded.error && (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(markUploaded.error)}</AlertDescription>
          </Alert>
        )}
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Batch</TableHead>
              <TableHead>Connection</TableHead>
              <TableHead className="text-right">Payments</TableHead>
              <TableHead className="text-right">Amount</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Funds and progress</TableHead>
              <TableHead className="sr-only">Actions</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((s) => (
              <TableRow key={s.id} data-testid={`shipment-${s.reference}`}>
                <TableCell className="font-mono text-xs">{s.reference}</TableCell>
                <TableCell>{s.connection.name}</TableCell>
                <TableCell className="text-right tabular-nums">{s.payment_count}</TableCell>
                <TableCell className="text-right tabular-nums">
                  {groupThousands(displayAmount(s.amount))} {s.currency}
                </TableCell>
                <TableCell>
                  <Badge variant={STATUS_LABELS[s.status].tone}>{STATUS_LABELS[s.status].label}</Badge>
                  {s.shipped_at && <div className="mt-1 text-xs text-muted-foreground">{new Date(s.shipped_at).toLocaleString()}</div>}
                </TableCell>
                <TableCell className="max-w-xs text-xs text-muted-foreground">
                  {s.rail_type === "MOJALOOP" ? (
                    // A switch holds no funds of ours to check: the batch's progress (bulks, fees) is its message.
                    s.message && <div>{s.message}</div>
                  ) : (
                    <>
                      {s.funds_message ?? "Not checked yet"}
                      {s.funds_attempts > 1 && <div>{s.funds_attempts} attempts</div>}
                      {s.message && s.status !== "SHIPPED" && <div className="text-destructive">{s.message}</div>}
                    </>
                  )}
                </TableCell>
                <TableCell className="space-x-2 whitespace-nowrap text-right">
                  {canShip && (s.status === "AWAITING_UPLOAD" || (s.status === "SHIPPED" && s.connection.shipment_mode === "FILE")) && (
                    <Button variant="outline" size="sm" asChild>
                      <a href={`/api/shipments/${s.id}/file`} download>
                        Download pain.001
                      </a>
                    </Button>
                  )}
                  {canShip && s.status === "AWAITING_UPLOAD" && (
                    <Button size="sm" onClick={() => setUploading(s)}>
                      Mark uploaded
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <ConfirmDialog
          open={uploading !== null}
          onOpenChange={(open) => !open && setUploading(null)}
          title={<>Mark batch {uploading?.reference} as uploaded?</>}
          description={
            <>
              Confirm only once the bank&apos;s portal has accepted the file. Its {uploading?.payment_count} payments are then treated as shipped and settle from the
              bank&apos;s statements.
            </>
          }
          confirmLabel="Mark uploaded"
          pending={markUploaded.isPending}
          onConfirm={() => {
            if (uploading) markUploaded.mutate({ id: uploading.id });
          }}
        />
      </CardContent>
    </Card>
  );
}
