"use client";

import { Field } from "@/components/ui/field";
import { VERIFICATION_FIELDS, type VerificationField } from "@/server/domain/disbursement-types";
import { NativeSelect } from "./common";
import { VERIFICATION_FORMATS, VERIFICATION_LABELS } from "./csv";

/**
 * Which value receivers confirm when registering. Contact types that carry a wallet address
 * have no registration, so there is nothing to choose.
 */
export function VerificationFieldSelect({
  usesWalletAddress,
  value,
  onChange,
  error,
}: {
  usesWalletAddress: boolean;
  value: VerificationField | "";
  onChange: (field: VerificationField) => void;
  error?: string;
}) {
  if (usesWalletAddress) {
    return (
      <div className="rounded-md bg-muted p-3 text-sm text-muted-foreground md:col-span-2">
        <span className="font-medium text-foreground">Verification:</span> not used. Receivers do not register, so there is nothing to verify: each row carries its wallet
        address.
      </div>
    );
  }
  return (
    <Field
      label="Verification field"
      required
      error={error}
      hint={value ? `When registering, receivers confirm who they are with their ${VERIFICATION_FORMATS[value]}. Put it in the “verification” column.` : undefined}
    >
      <NativeSelect value={value} onChange={(e) => onChange(e.target.value as VerificationField)}>
        {VERIFICATION_FIELDS.map((f) => (
          <option key={f} value={f}>
            {VERIFICATION_LABELS[f]}
          </option>
        ))}
      </NativeSelect>
    </Field>
  );
}
