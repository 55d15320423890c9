"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { NativeSelect } from "@/components/disbursements/common";
import { useTRPC } from "@/components/trpc/client";
import { fieldErrorsOf } from "@/components/trpc/errors";
import { EditDialog, EditFormFooter } from "@/components/ui/edit-dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import type { RailType } from "@/server/domain/rails";
import { CONNECTION_NAME_MAX, FIELD_MAPPING_FIELDS, FIELD_TEMPLATE_PLACEHOLDERS } from "@/server/schemas/connections.schema";
import { BankSettingsFields } from "./bank-settings-fields";
import { credentialsOf, currencyMappingOf, fieldMappingOf, initialState, settingsOf, type ConnectionFormState } from "./connection-form-state";
import type { ConnectionRow } from "./connections-section";
import { CurrencyMappingField } from "./currency-mapping-field";
import { MojaloopCallbackUrl, MojaloopCredentialFields, MojaloopSettingsFields } from "./mojaloop-settings-fields";

/** Add a connection (`connection` absent) or edit one; the fields follow the rail type, which is fixed once created. */
export function ConnectionDialog({
  open,
  onOpenChange,
  connection,
  onSaved,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  connection?: ConnectionRow;
  onSaved: (connection: ConnectionRow, created: boolean) => void;
}) {
  return (
    <EditDialog
      open={open}
      onOpenChange={onOpenChange}
      title={connection ? `Edit ${connection.name}` : "Add a connection"}
      description={
        connection
          ? "Changing the settings clears the last health check until the next test."
          : "A way out for payments: a Stellar distribution account, a sponsor bank or a Mojaloop switch."
      }
    >
      <ConnectionForm connection={connection} onCancel={() => onOpenChange(false)} onSaved={onSaved} />
    </EditDialog>
  );
}

const railTypeOf = (v: string): RailType => (v === "STELLAR" || v === "MOJALOOP" ? v : "BANK");

function ConnectionForm({ connection, onCancel, onSaved }: { connection?: ConnectionRow; onCancel: () => void; onSaved: (c: ConnectionRow, created: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: assets } = useSuspenseQuery(trpc.catalog.assets.queryOptions());
  const [form, setForm] = useState<ConnectionFormState>(() => initialState(connection));
  const set = (patch: Partial<ConnectionFormState>) => setForm((f) => ({ ...f, ...patch }));
  const done = (created: boolean) => async (c: ConnectionRow) => {
    await queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
    onSaved(c, created);
  };
  const create = useMutation(trpc.connections.create.mutationOptions({ onSuccess: done(true) }));
  const update = useMutation(trpc.connections.update.mutationOptions({ onSuccess: done(false) }));
  const mutation = connection ? update : create;
  const errors = fieldErrorsOf(mutation.error);
  const fieldMappingError = errors.field_mapping ?? Object.entries(errors).find(([k]) => k.startsWith("field_mapping."))?.[1];
  const shown =
    ["name", "rail_type", "credentials.apiKey", "credentials.jwsSigningKey", "credentials.switchCertificate"].some((k) => errors[k]) ||
    fieldMappingError !== undefined ||
    Object.keys(errors).some((k) => k.startsWith("settings.") || k.startsWith("currency_mapping"));
  const mappable = Object.keys(FIELD_MAPPING_FIELDS[form.railType]);

  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const common = { name: form.name, settings: settingsOf(form), currency_mapping: currencyMappingOf(form), field_mapping: fieldMappingOf(form) };
        if (connection) update.mutate({ id: connection.id, ...common });
        else create.mutate({ rail_type: form.railType, ...common, credentials: credentialsOf(form) });
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Rail" error={errors.rail_type} hint={connection ? "Fixed once created." : undefined}>
          <NativeSelect value={form.railType} disabled={Boolean(connection)} onChange={(e) => set({ railType: railTypeOf(e.target.value), currencies: {} })}>
            <option value="BANK">Sponsor bank</option>
            <option value="STELLAR">Stellar distribution account</option>
            <option value="MOJALOOP">Mojaloop switch</option>
          </NativeSelect>
        </Field>
        <Field label="Name" required error={errors.name} hint="For people, e.g. “National Bank – programme account”.">
          <Input autoComplete="off" maxLength={CONNECTION_NAME_MAX} value={form.name} onChange={(e) => set({ name: e.target.value })} />
        </Field>
      </div>

      {connection?.callback_url && <MojaloopCallbackUrl url={connection.callback_url} />}

      {form.railType === "STELLAR" ? (
        <Field
          label="Horizon URL (optional)"
          error={errors["settings.horizonUrl"]}
          hint="Pays from the organization's distribution account. Leave empty to use the operator's Horizon."
        >
          <Input type="url" autoComplete="off" spellCheck={false} value={form.horizonUrl} onChange={(e) => set({ horizonUrl: e.target.value })} />
        </Field>
      ) : form.railType === "MOJALOOP" ? (
        <MojaloopSettingsFields form={form} set={set} errors={errors} />
      ) : (
        <BankSettingsFields form={form} set={set} errors={errors} />
      )}

      {form.railType === "MOJALOOP" && !connection && <MojaloopCredentialFields values={form} set={set} errors={errors} />}

      {form.railType === "BANK" && !connection && (
        <Field label="API key" error={errors["credentials.apiKey"]} hint="Issued by the bank. Stored encrypted and never shown again; you can replace it later.">
          <Input type="password" autoComplete="new-password" spellCheck={false} value={form.apiKey} onChange={(e) => set({ apiKey: e.target.value })} />
        </Field>
      )}

      <CurrencyMappingField form={form} assets={assets} set={set} errors={errors} />

      {mappable.length > 0 && (
        <Field
          label="Field mapping (optional)"
          error={fieldMappingError}
          hint={`One per line, field = template. Fields: ${mappable.join(", ")}. Placeholders: ${FIELD_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}.`}
        >
          <Textarea
            rows={2}
            className="font-mono text-xs"
            spellCheck={false}
            placeholder="narrative_3 = Child grant for {payee_name}"
            value={form.fieldMapping}
            onChange={(e) => set({ fieldMapping: e.target.value })}
          />
        </Field>
      )}

      <EditFormFooter
        error={mutation.error}
        errorShownByField={shown}
        pending={mutation.isPending}
        submitLabel={connection ? "Save changes" : "Add connection"}
        onCancel={onCancel}
      />
    </form>
  );
}
