"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RotateCcw } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { DateTime, Detail } from "@/components/disbursements/common";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { G2pStatusBadge } from "./g2p-status-badge";
import { REFRESH_MS, DirectionCell } from "./message-cells";

/** One message: every field, the JSON body, and "Retry delivery" for a callback that failed. */
export function MessageDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = useQuery({
    ...trpc.integrations.message.queryOptions({ id: id ?? "" }),
    enabled: id !== null,
    refetchInterval: (q) => (q.state.data?.status === "PENDING" ? REFRESH_MS : false),
  });
  const retry = useMutation(
    trpc.integrations.retryCallback.mutationOptions({
      onSuccess: (m) => {
        queryClient.setQueryData(trpc.integrations.message.queryKey({ id: m.id }), m);
        return queryClient.invalidateQueries({ queryKey: trpc.integrations.messages.queryKey() });
      },
    }),
  );
  const m = query.data;

  return (
    <Dialog
      open={id !== null}
      onOpenChange={(open) => {
        if (!open) {
          retry.reset();
          onClose();
        }
      }}
    >
      <DialogContent className="max-w-3xl">
        <DialogHeader>
          <DialogTitle>{m ? (m.direction === "inbound" ? `Received ${m.endpoint}` : `Callback ${m.endpoint}`) : "Message"}</DialogTitle>
          <DialogDescription className="font-mono text-xs break-all">{m?.message_id ?? " "}</DialogDescription>
        </DialogHeader>
        {query.isError ? (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(query.error)}</AlertDescription>
          </Alert>
        ) : !m ? (
          <Skeleton className="h-64 w-full" />
        ) : (
          <div className="min-w-0 space-y-4">
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3">
              <Detail term="Status">
                <G2pStatusBadge status={m.status} />
              </Detail>
              <Detail term="Direction">
                <DirectionCell direction={m.direction} />
              </Detail>
              <Detail term="Time">
                <DateTime value={m.created_at} withSeconds />
              </Detail>
              <Detail term="Action">{m.action ?? "—"}</Detail>
              <Detail term="Transaction id">{m.transaction_id ? <code className="font-mono text-xs">{m.transaction_id}</code> : "—"}</Detail>
              <Detail term="Correlation id">{m.correlation_id ? <code className="font-mono text-xs">{m.correlation_id}</code> : "—"}</Detail>
              <Detail term="Sender">{m.sender ? `${m.sender.name} (${m.sender.sender_id})` : (m.sender_id ?? "—")}</Detail>
              <Detail term="Items">{m.item_count}</Detail>
              {m.error_code && (
                <Detail term="Error" className="col-span-2 sm:col-span-3">
                  <code className="font-mono text-destructive">{m.error_code}</code>
                  {m.error_message && <span className="block">{m.error_message}</span>}
                </Detail>
              )}
              {m.direction === "outbound" && (
                <>
                  <Detail term="URL" className="col-span-2 sm:col-span-3">
                    <code className="font-mono text-xs break-all">{m.url ?? "—"}</code>
                  </Detail>
                  <Detail term="Attempts">{m.attempts}</Detail>
                  <Detail term="Last attempt">
                    <DateTime value={m.last_attempt_at} withSeconds />
                    {m.last_http_status !== null && <span className="block text-xs text-muted-foreground">HTTP {m.last_http_status}</span>}
                  </Detail>
                  <Detail term={m.status === "DELIVERED" ? "Delivered" : "Next attempt"}>
                    <DateTime value={m.status === "DELIVERED" ? m.delivered_at : m.status === "PENDING" ? m.next_attempt_at : null} withSeconds />
                  </Detail>
                </>
              )}
            </dl>
            {m.direction === "outbound" && m.status === "FAILED" && (
              <Alert variant="warning">
                <AlertTitle>Delivery gave up</AlertTitle>
                <AlertDescription className="space-y-2">
                  <p>Fix the sender&apos;s endpoint, then send this callback again. Its signed body is sent as it was.</p>
                  <Button size="sm" variant="outline" disabled={retry.isPending} onClick={() => retry.mutate({ id: m.id })}>
                    <RotateCcw aria-hidden />
                    {retry.isPending ? "Retrying…" : "Retry delivery"}
                  </Button>
                </AlertDescription>
              </Alert>
            )}
            {retry.isSuccess && m.status === "PENDING" && (
              <Alert variant="success">
                <AlertDescription>The callback is queued and will be sent within seconds.</AlertDescription>
              </Alert>
            )}
            {retry.error && (
              <Alert variant="destructive">
                <AlertDescription>{messageOf(retry.error)}</AlertDescription>
              </Alert>
            )}
            <div className="space-y-1.5">
              <h3 className="text-sm font-semibold">Body</h3>
              <pre className="max-h-96 overflow-auto rounded-md bg-muted p-3 font-mono text-xs leading-relaxed" data-testid="g2p-message-body">
                {JSON.stringify(m.body, null, 2)}
              </pre>
            </div>
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}
