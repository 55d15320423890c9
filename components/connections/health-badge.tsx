import { Badge } from "@/components/ui/badge";
import { DateTime } from "@/components/disbursements/common";

const LABELS = { HEALTHY: "Healthy", UNHEALTHY: "Unhealthy", UNKNOWN: "Not checked" } as const;
const VARIANTS = { HEALTHY: "success", UNHEALTHY: "destructive", UNKNOWN: "outline" } as const;

/** A connection's last health answer: status, when, and the rail's message in plain words. */
export function HealthCell({ health }: { health: { status: keyof typeof LABELS; message: string | null; checked_at: string | null } }) {
  return (
    <div className="space-y-1">
      <Badge variant={VARIANTS[health.status]}>{LABELS[health.status]}</Badge>
      <span className="block text-xs text-muted-foreground">
        {health.checked_at ? (
          <>
            Checked <DateTime value={health.checked_at} />
          </>
        ) : (
          "Never checked"
        )}
      </span>
      {health.message && <span className="block max-w-72 text-xs [overflow-wrap:anywhere] text-muted-foreground">{health.message}</span>}
    </div>
  );
}
