"use client";

import { NativeSelect } from "@/components/disbursements/common";
import { CopyButton } from "@/components/integrations/copy-button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { MOJALOOP_FSP_ID_MAX, MOJALOOP_PARTY_ID_TYPES, MOJALOOP_TIMEOUTS } from "@/server/schemas/connections.schema";
import { BaseUrlField } from "./base-url-field";
import type { ConnectionFormState } from "./connection-form-state";

type Errors = Record<string, string | undefined>;
type Props = { form: ConnectionFormState; set: (patch: Partial<ConnectionFormState>) => void; errors: Errors };

/** The first error under a settings key or any of its entries (`settings.callbackAllowlist.2`). */
const errorUnder = (errors: Errors, key: string) => errors[key] ?? Object.entries(errors).find(([k]) => k.startsWith(`${key}.`))?.[1];

/** A Mojaloop connection's settings: the switch, our FSP id, where callbacks may come from, timeouts and the test party. */
export function MojaloopSettingsFields({ form, set, errors }: Props) {
  const { requestSeconds: request, callbackSeconds: callback } = MOJALOOP_TIMEOUTS;
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-2">
        <BaseUrlField
          label="Switch base URL"
          what="The switch's FSPIOP API."
          placeholder="https://switch.example.org"
          value={form.baseUrl}
          error={errors["settings.baseUrl"]}
          onChange={(baseUrl) => set({ baseUrl })}
        />
        <Field label="Our FSP id" required error={errors["settings.fspId"]} hint="This platform's id at the switch (FSPIOP-Source), 1–32 characters.">
          <Input
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
            maxLength={MOJALOOP_FSP_ID_MAX}
            value={form.fspId}
            onChange={(e) => set({ fspId: e.target.value })}
          />
        </Field>
      </div>
      <Field
        label="Callback sources"
        required
        error={errorUnder(errors, "settings.callbackAllowlist")}
        hint="Addresses the switch calls back from, one per line: an IP (10.0.0.5) or a range (10.0.0.0/24). Callbacks from anywhere else are refused."
      >
        <Textarea rows={2} className="font-mono text-xs" spellCheck={false} value={form.callbackAllowlist} onChange={(e) => set({ callbackAllowlist: e.target.value })} />
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Request timeout (seconds)"
          error={errors["settings.requestTimeoutSeconds"]}
          hint={`How long a request to the switch may take (${request.min}–${request.max}).`}
        >
          <Input type="number" min={request.min} max={request.max} value={form.requestTimeoutSeconds} onChange={(e) => set({ requestTimeoutSeconds: e.target.value })} />
        </Field>
        <Field
          label="Callback timeout (seconds)"
          error={errors["settings.callbackTimeoutSeconds"]}
          hint={`How long to wait for the switch's callback before asking it (${callback.min}–${callback.max}).`}
        >
          <Input
            type="number"
            min={callback.min}
            max={callback.max}
            value={form.callbackTimeoutSeconds}
            onChange={(e) => set({ callbackTimeoutSeconds: e.target.value })}
          />
        </Field>
      </div>
      <fieldset className="space-y-2 rounded-md border border-border p-3">
        <legend className="px-1 text-sm font-medium">Test party (optional)</legend>
        <p className="text-xs text-muted-foreground">A party the switch knows, looked up by “Test connection”.</p>
        <div className="grid gap-3 sm:grid-cols-[10rem_1fr]">
          <Field label="Type" error={errors["settings.testParty.type"]}>
            <PartyTypeSelect value={form.testPartyType} onChange={(testPartyType) => set({ testPartyType })} />
          </Field>
          <Field label="Identifier" error={errors["settings.testParty.identifier"] ?? errors["settings.testParty"]}>
            <Input
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              placeholder={form.testPartyType === "MSISDN" ? "+254712345678" : undefined}
              value={form.testPartyIdentifier}
              onChange={(e) => set({ testPartyIdentifier: e.target.value })}
            />
          </Field>
        </div>
      </fieldset>
      <fieldset className="space-y-2 rounded-md border border-border p-3">
        <legend className="px-1 text-sm font-medium">Payer (optional)</legend>
        <p className="text-xs text-muted-foreground">The programme’s account at this FSP, sent as the payer of every quote. Empty: the business named by the FSP id.</p>
        <div className="grid gap-3 sm:grid-cols-[10rem_1fr_1fr]">
          <Field label="Type" error={errors["settings.payer.type"]}>
            <PartyTypeSelect value={form.payerType} onChange={(payerType) => set({ payerType })} />
          </Field>
          <Field label="Identifier" error={errors["settings.payer.identifier"] ?? errors["settings.payer"]}>
            <Input autoComplete="off" spellCheck={false} className="font-mono" value={form.payerIdentifier} onChange={(e) => set({ payerIdentifier: e.target.value })} />
          </Field>
          <Field label="Name" error={errors["settings.payer.name"]}>
            <Input autoComplete="off" value={form.payerName} onChange={(e) => set({ payerName: e.target.value })} />
          </Field>
        </div>
      </fieldset>
    </>
  );
}

type KeyValues = { jwsSigningKey: string; switchCertificate: string };

/** The optional JWS keys, PEM. Write-only: stored encrypted, never shown again. */
export function MojaloopCredentialFields({ values, set, errors }: { values: KeyValues; set: (patch: Partial<KeyValues>) => void; errors: Errors }) {
  const pem = "font-mono text-xs";
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field
        label="JWS signing key (optional)"
        error={errors["credentials.jwsSigningKey"]}
        hint="Our RSA private key, PEM, if the scheme asks for signed requests. Stored encrypted and never shown again."
      >
        <Textarea
          rows={3}
          className={pem}
          spellCheck={false}
          placeholder="-----BEGIN PRIVATE KEY-----"
          value={values.jwsSigningKey}
          onChange={(e) => set({ jwsSigningKey: e.target.value })}
        />
      </Field>
      <Field
        label="Switch's public key or certificate (optional)"
        error={errors["credentials.switchCertificate"]}
        hint="PEM; the signatures of the switch's callbacks are checked with it."
      >
        <Textarea
          rows={3}
          className={pem}
          spellCheck={false}
          placeholder="-----BEGIN CERTIFICATE-----"
          value={values.switchCertificate}
          onChange={(e) => set({ switchCertificate: e.target.value })}
        />
      </Field>
    </div>
  );
}

/** Where the switch must send this connection's callbacks (configured at the switch), with a copy button. */
export function MojaloopCallbackUrl({ url }: { url: string }) {
  return (
    <div className="space-y-1 rounded-md border border-border bg-muted/40 p-3" data-testid="mojaloop-callback-url">
      <p className="text-sm font-medium">Callback URL for the switch</p>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 font-mono text-xs [overflow-wrap:anywhere]">{url}</code>
        <CopyButton value={url} label="callback URL" />
      </div>
      <p className="text-xs text-muted-foreground">Register it at the switch as this FSP&apos;s callback endpoint for parties, quotes and transfers.</p>
    </div>
  );
}

/** The FSPIOP party id types, for the test party and the payer. */
function PartyTypeSelect({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <NativeSelect value={value} onChange={(e) => onChange(e.target.value)}>
      {MOJALOOP_PARTY_ID_TYPES.map((t) => (
        <option key={t} value={t}>
          {t}
        </option>
      ))}
    </NativeSelect>
  );
}
