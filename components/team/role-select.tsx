"use client";

import { ROLE_LABELS, type Role } from "@/server/domain/roles";
import { cn } from "@/lib/utils";

/** A native select: fast, keyboard-friendly and easy to label in tables. */
export function RoleSelect({
  value,
  onChange,
  roles,
  className,
  ...rest
}: {
  value: Role;
  onChange: (role: Role) => void;
  roles: readonly Role[];
  className?: string;
  id?: string;
  disabled?: boolean;
  "aria-label"?: string;
  "aria-describedby"?: string;
}) {
  return (
    <select
      {...rest}
      value={value}
      onChange={(e) => onChange(e.target.value as Role)}
      className={cn("h-9 w-full rounded-md border border-input bg-card px-2 text-sm shadow-xs disabled:cursor-not-allowed disabled:opacity-60", className)}
    >
      {roles.map((r) => (
        <option key={r} value={r}>
          {ROLE_LABELS[r]}
        </option>
      ))}
    </select>
  );
}
