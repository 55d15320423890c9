"use client";

import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DateTime } from "@/components/disbursements/common";
import { CHANNEL_LABELS, MESSAGE_TYPE_LABELS, MessageStatusBadge } from "@/components/messages/message-status";

type ReceiverMessage = {
  id: string;
  type: string;
  channel: string;
  destination: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
};

/** The messages sent to a receiver (invitations, codes) with their delivery state; never their text. */
export function ReceiverMessages({ messages }: { messages: ReceiverMessage[] }) {
  return (
    <section aria-labelledby="messages-title" className="space-y-3">
      <h2 id="messages-title" className="text-lg font-semibold">
        Messages
      </h2>
      {messages.length === 0 ? (
        <p className="text-sm text-muted-foreground">No message sent yet.</p>
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Sent</TableHead>
              <TableHead>Type</TableHead>
              <TableHead>Channel</TableHead>
              <TableHead>To</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Attempts</TableHead>
              <TableHead>Last error</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {messages.map((m) => (
              <TableRow key={m.id}>
                <TableCell>
                  <DateTime value={m.created_at} />
                </TableCell>
                <TableCell>{MESSAGE_TYPE_LABELS[m.type] ?? m.type}</TableCell>
                <TableCell>{CHANNEL_LABELS[m.channel] ?? m.channel}</TableCell>
                <TableCell className="font-mono text-xs">{m.destination}</TableCell>
                <TableCell>
                  <MessageStatusBadge status={m.status} />
                </TableCell>
                <TableCell className="text-right tabular-nums">{m.attempts}</TableCell>
                <TableCell className="max-w-64 text-sm break-words text-destructive">{m.last_error ?? ""}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
