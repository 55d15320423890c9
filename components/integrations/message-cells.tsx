"use client";

import { ArrowDownLeft, ArrowUpRight } from "lucide-react";
import { DateTime, type RouterOutputs } from "@/components/disbursements/common";
import { cn } from "@/lib/utils";
import { plural } from "@/lib/format";

type MessageRow = RouterOutputs["integrations"]["messages"]["data"][number];

/** How often the log refreshes itself: callbacks change state in the background. */
export const REFRESH_MS = 5000;

/** "In" for a request received from a sender, "Out" for a callback sent to it. */
export function DirectionCell({ direction }: { direction: string }) {
  const inbound = direction === "inbound";
  const Icon = inbound ? ArrowDownLeft : ArrowUpRight;
  return (
    <span className="inline-flex items-center gap-1 text-xs font-medium whitespace-nowrap" title={inbound ? "Received from the sender" : "Callback sent to the sender"}>
      <Icon aria-hidden className={cn("size-4", inbound ? "text-primary" : "text-muted-foreground")} />
      {inbound ? "In" : "Out"}
    </span>
  );
}

/** A message's error code and text, and for a callback its delivery attempts and next try. */
export function ErrorOrDelivery({ m }: { m: MessageRow }) {
  return (
    <div className="space-y-0.5">
      {m.error_code && (
        <p className="text-destructive">
          <code className="font-mono">{m.error_code}</code>
          {m.error_message && <span className="block break-words text-muted-foreground">{m.error_message}</span>}
        </p>
      )}
      {m.direction === "outbound" && (
        <p className="text-muted-foreground">
          {plural(m.attempts, "attempt")}
          {m.last_http_status !== null && <> · last HTTP {m.last_http_status}</>}
          {m.status === "PENDING" && m.next_attempt_at && (
            <>
              {" "}
              · next <DateTime value={m.next_attempt_at} withSeconds />
            </>
          )}
        </p>
      )}
      {!m.error_code && m.direction === "inbound" && <span className="text-muted-foreground">—</span>}
    </div>
  );
}
