import { Badge } from "@/components/ui/badge";

const STATUS: Record<string, { label: string; variant: "success" | "destructive" | "secondary" }> = {
  SUCCESS: { label: "Sent", variant: "success" },
  FAILURE: { label: "Failed", variant: "destructive" },
  PENDING: { label: "Pending", variant: "secondary" },
};

/** The status words the Outbox shows (and filters by). */
export const MESSAGE_STATUS_LABELS: Record<string, string> = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [k, v.label]));

export const MESSAGE_TYPE_LABELS: Record<string, string> = { RECEIVER_INVITATION: "Invitation", RECEIVER_OTP: "One-time code" };
export const CHANNEL_LABELS: Record<string, string> = { EMAIL: "Email", SMS: "SMS" };

export function MessageStatusBadge({ status }: { status: string }) {
  const meta = STATUS[status] ?? { label: status, variant: "secondary" as const };
  return (
    <Badge variant={meta.variant} data-status={status} title={status}>
      {meta.label}
    </Badge>
  );
}

/** Plain text with its http(s) links clickable (message bodies are plain text: rendered as text, never HTML). */
export function LinkifiedText({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s]+)/g);
  return (
    <>
      {parts.map((part, i) =>
        /^https?:\/\//.test(part) && !part.includes("[redacted]") ? (
          <a key={i} href={part} className="break-all text-primary underline underline-offset-2" target="_blank" rel="noreferrer noopener">
            {part}
          </a>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}
