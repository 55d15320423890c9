"use client";

import { API_SCOPE_AREAS, API_SCOPE_LABELS, hasScope, normalizeScopes, type ApiScope, type ApiScopeArea } from "@/server/domain/api-scopes";
import { cn } from "@/lib/utils";

const ROWS: (ApiScopeArea | "all")[] = ["all", ...API_SCOPE_AREAS];

/**
 * Read / write checkboxes per area. A write scope implies read, and `all` covers every area, so
 * implied boxes show ticked and disabled. Scopes the member's role may not grant are disabled.
 */
export function ScopePicker({
  value,
  onChange,
  grantable,
  disabled,
  describedBy,
  invalid,
}: {
  value: ApiScope[];
  onChange: (scopes: ApiScope[]) => void;
  grantable: readonly ApiScope[];
  disabled?: boolean;
  describedBy?: string;
  invalid?: boolean;
}) {
  const toggle = (scope: ApiScope, on: boolean) => onChange(normalizeScopes(on ? [...value, scope] : value.filter((s) => s !== scope)));
  return (
    <fieldset aria-describedby={describedBy} aria-invalid={invalid || undefined} className={cn("rounded-md border border-input", invalid && "border-destructive")}>
      <legend className="sr-only">Scopes</legend>
      <table className="w-full text-sm">
        <thead>
          <tr className="border-b border-border text-left text-xs text-muted-foreground">
            <th scope="col" className="px-3 py-2 font-medium">
              Area
            </th>
            <th scope="col" className="w-20 px-3 py-2 text-center font-medium">
              Read
            </th>
            <th scope="col" className="w-20 px-3 py-2 text-center font-medium">
              Write
            </th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((area) => (
            <tr key={area} className="border-b border-border last:border-0">
              <th scope="row" className="px-3 py-1.5 text-left font-normal">
                {API_SCOPE_LABELS[area]}
              </th>
              {(["read", "write"] as const).map((level) => {
                const scope = `${level}:${area}` as ApiScope;
                const own = value.includes(scope);
                const implied = !own && hasScope(value, scope);
                const allowed = grantable.includes(scope);
                return (
                  <td key={level} className="px-3 py-1.5 text-center">
                    <input
                      type="checkbox"
                      className="size-4 accent-primary disabled:cursor-not-allowed disabled:opacity-50"
                      aria-label={`${level === "read" ? "Read" : "Write"} ${API_SCOPE_LABELS[area].toLowerCase()} (${scope})`}
                      title={!allowed ? "Your role cannot grant this scope" : implied ? "Included by another scope" : scope}
                      checked={own || implied}
                      disabled={disabled || !allowed || implied}
                      onChange={(e) => toggle(scope, e.target.checked)}
                      data-scope={scope}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </fieldset>
  );
}
