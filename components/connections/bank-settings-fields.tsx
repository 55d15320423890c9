"use client";

import { NativeSelect } from "@/components/disbursements/common";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { BaseUrlField } from "./base-url-field";
import type { ConnectionFormState } from "./connection-form-state";

type Props = { form: ConnectionFormState; set: (patch: Partial<ConnectionFormState>) => void; errors: Record<string, string | undefined> };

/** A bank connection's settings: the bank's API, the account paid from, and how batches are shipped. */
export function BankSettingsFields({ form, set, errors }: Props) {
  return (
    <>
      <BaseUrlField
        label="Bank API base URL"
        what="The sponsor bank's API (check_funds, block_funds, initiate_payment)."
        placeholder="https://api.bank.example.org"
        value={form.baseUrl}
        error={errors["settings.baseUrl"]}
        onChange={(baseUrl) => set({ baseUrl })}
      />
      <fieldset className="space-y-3 rounded-md border border-border p-3">
        <legend className="px-1 text-sm font-medium">Debtor account (paid from)</legend>
        <p className="text-xs text-muted-foreground">Give its IBAN, or its account number with the bank code or BIC.</p>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="IBAN" error={errors["settings.debtorIban"]}>
            <Input autoComplete="off" spellCheck={false} className="font-mono" value={form.debtorIban} onChange={(e) => set({ debtorIban: e.target.value })} />
          </Field>
          <Field label="Account number" error={errors["settings.debtorAccountNumber"]}>
            <Input
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              value={form.debtorAccountNumber}
              onChange={(e) => set({ debtorAccountNumber: e.target.value })}
            />
          </Field>
          <Field label="Bank code" error={errors["settings.debtorBankCode"]}>
            <Input autoComplete="off" spellCheck={false} value={form.debtorBankCode} onChange={(e) => set({ debtorBankCode: e.target.value })} />
          </Field>
          <Field label="BIC" error={errors["settings.debtorBic"]}>
            <Input autoComplete="off" spellCheck={false} className="font-mono" value={form.debtorBic} onChange={(e) => set({ debtorBic: e.target.value })} />
          </Field>
        </div>
        <Field label="Account holder name" required error={errors["settings.debtorName"]} hint="As the bank has it; goes into payment files as the debtor.">
          <Input autoComplete="off" value={form.debtorName} onChange={(e) => set({ debtorName: e.target.value })} />
        </Field>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Shipment" error={errors["settings.shipmentMode"]} hint="API: sent with initiate_payment. Files: a pain.001 you upload to the bank's portal.">
          <NativeSelect value={form.shipmentMode} onChange={(e) => set({ shipmentMode: e.target.value === "FILE" ? "FILE" : "API" })}>
            <option value="API">Bank API</option>
            <option value="FILE">Payment files (pain.001)</option>
          </NativeSelect>
        </Field>
        <Field label="Statement period (days)" error={errors["settings.statementCallback.periodDays"]} hint="Days each requested statement covers.">
          <Input type="number" min={1} max={31} value={form.periodDays} onChange={(e) => set({ periodDays: e.target.value })} />
        </Field>
      </div>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-0.5 size-4 accent-primary" checked={form.statementCallback} onChange={(e) => set({ statementCallback: e.target.checked })} />
        <span>
          The bank posts its statements back to this platform
          <span className="block text-xs text-muted-foreground">MT940 as `statement_file`, with an API key holding the write:statements scope.</span>
        </span>
      </label>
    </>
  );
}
