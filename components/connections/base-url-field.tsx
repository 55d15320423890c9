"use client";

import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";

type Props = { label: string; what: string; placeholder: string; value: string; error?: string; onChange: (value: string) => void };

/** The endpoint URL of a connection (a bank's API, a switch), with the outbound address policy in its hint. */
export function BaseUrlField({ label, what, placeholder, value, error, onChange }: Props) {
  return (
    <Field label={label} required error={error} hint={`${what} Use https; plain http and private addresses only for hosts the operator lists in OUTBOUND_ALLOW_HOSTS.`}>
      <Input type="url" autoComplete="off" spellCheck={false} value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} />
    </Field>
  );
}
