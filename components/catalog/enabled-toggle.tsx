"use client";

import { Badge } from "@/components/ui/badge";
import { Switch } from "@/components/ui/switch";

/**
 * The "enabled" cell of a catalog row: a switch for those who may change it (turning off goes
 * through the caller's confirmation), a badge for everyone else.
 */
export function EnabledToggle({
  enabled,
  canWrite,
  pending,
  label,
  onEnable,
  onRequestDisable,
}: {
  enabled: boolean;
  canWrite: boolean;
  pending: boolean;
  /** What is toggled, for the switch's accessible name ("<label> enabled"). */
  label: string;
  onEnable: () => void;
  onRequestDisable: () => void;
}) {
  if (!canWrite) return enabled ? <Badge variant="success">Enabled</Badge> : <Badge variant="outline">Disabled</Badge>;
  return (
    <div className="flex items-center gap-2">
      <Switch checked={enabled} disabled={pending} aria-label={`${label} enabled`} onCheckedChange={(on) => (on ? onEnable() : onRequestDisable())} />
      <span className="text-sm text-muted-foreground">{enabled ? "Enabled" : "Disabled"}</span>
    </div>
  );
}
