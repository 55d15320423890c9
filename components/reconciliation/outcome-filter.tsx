"use client";

import { NativeSelect } from "@/components/disbursements/common";
import type { ReconciliationOutcome } from "@/server/domain/rails";
import { OUTCOME_LABELS } from "@/server/domain/reconciliation";

/** A select of reconciliation outcomes for a list of entries; `extra` options come after the "all" one. */
export function OutcomeFilter<V extends string>({
  id,
  value,
  onChange,
  allLabel,
  extra = [],
  outcomes,
}: {
  id: string;
  value: V | "";
  onChange: (value: V | "") => void;
  allLabel: string;
  extra?: readonly { value: V; label: string }[];
  outcomes: readonly (ReconciliationOutcome & V)[];
}) {
  return (
    <div className="w-56">
      <label htmlFor={id} className="sr-only">
        Outcome
      </label>
      <NativeSelect id={id} value={value} onChange={(e) => onChange(e.target.value as V | "")}>
        <option value="">{allLabel}</option>
        {extra.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
        {outcomes.map((o) => (
          <option key={o} value={o}>
            {OUTCOME_LABELS[o]}
          </option>
        ))}
      </NativeSelect>
    </div>
  );
}
