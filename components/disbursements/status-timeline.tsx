"use client";

import { cn } from "@/lib/utils";
import { TransactionHash } from "@/components/stellar/links";
import { DateTime, shortId } from "./common";

/**
 * An append-only status history as a vertical timeline, oldest first. `user_id` is shown
 * shortened ("you" for the viewer); payment histories carry a status message instead.
 */
export function StatusTimeline({
  entries,
  currentUserId,
  label = "Status history",
  renderStatus,
}: {
  entries: { status: string; timestamp: string; user_id?: string | null; status_message?: string | null }[];
  currentUserId?: string;
  label?: string;
  renderStatus: (status: string) => React.ReactNode;
}) {
  if (entries.length === 0) return <p className="text-sm text-muted-foreground">No history yet.</p>;
  return (
    <ol aria-label={label} className="relative space-y-4 border-l border-border pl-5" data-testid="status-timeline">
      {entries.map((e, i) => {
        const last = i === entries.length - 1;
        return (
          <li key={`${e.timestamp}-${i}`} className="relative" aria-current={last ? "step" : undefined}>
            <span
              aria-hidden
              className={cn(
                "absolute top-1.5 -left-[1.6rem] size-2.5 rounded-full border-2 border-card",
                last ? "bg-primary ring-2 ring-primary/30" : "bg-muted-foreground/60",
              )}
            />
            <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
              {renderStatus(e.status)}
              <DateTime value={e.timestamp} withSeconds className="text-sm text-muted-foreground" />
            </div>
            {"user_id" in e && (
              <p className="mt-0.5 text-xs text-muted-foreground">
                {e.user_id === undefined ? null : e.user_id === null ? (
                  "by the system"
                ) : e.user_id === currentUserId ? (
                  "by you"
                ) : (
                  <>
                    by user <code title={e.user_id}>{shortId(e.user_id)}</code>
                  </>
                )}
              </p>
            )}
            {e.status_message && <StatusMessage message={e.status_message} />}
          </li>
        );
      })}
    </ol>
  );
}

/** A history entry's message; "transaction <hash>" (the engine's PENDING entries) links the transaction. */
function StatusMessage({ message }: { message: string }) {
  const tx = /^transaction ([0-9a-f]{64})$/.exec(message);
  if (tx) {
    return (
      <p className="mt-0.5 flex flex-wrap items-center gap-x-1 text-xs text-muted-foreground">
        transaction <TransactionHash hash={tx[1]!} head={6} tail={6} className="-my-1" />
      </p>
    );
  }
  return <p className="mt-0.5 text-xs text-muted-foreground [overflow-wrap:anywhere]">{message}</p>;
}
