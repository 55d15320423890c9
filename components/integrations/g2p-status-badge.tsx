import { Badge, type BadgeProps } from "@/components/ui/badge";

type Variant = NonNullable<BadgeProps["variant"]>;

/** Inbound answers (ACK/NACK/ERR) and callback delivery states (PENDING/DELIVERED/FAILED). */
const STATUS: Record<string, { label: string; variant: Variant; hint: string }> = {
  ACK: { label: "ACK", variant: "success", hint: "Accepted" },
  NACK: { label: "NACK", variant: "destructive", hint: "Refused: the request broke a rule" },
  ERR: { label: "ERR", variant: "destructive", hint: "Refused: authentication, signature or format error" },
  PENDING: { label: "Pending", variant: "warning", hint: "Waiting for its next delivery attempt" },
  DELIVERED: { label: "Delivered", variant: "success", hint: "The sender acknowledged it" },
  FAILED: { label: "Failed", variant: "destructive", hint: "Delivery gave up after the last attempt" },
};

export function G2pStatusBadge({ status }: { status: string }) {
  const meta = STATUS[status] ?? { label: status, variant: "outline" as const, hint: status };
  return (
    <Badge variant={meta.variant} data-status={status} title={meta.hint}>
      {meta.label}
    </Badge>
  );
}

export const g2pStatusLabel = (status: string) => STATUS[status]?.label ?? status;
