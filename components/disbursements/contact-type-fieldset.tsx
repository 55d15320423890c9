"use client";

import { cn } from "@/lib/utils";
import { REGISTRATION_CONTACT_TYPES, type RegistrationContactType } from "@/server/domain/disbursement-types";
import { CONTACT_TYPE_INFO } from "./csv";

/** "How receivers are reached": one radio card per contact type, with its description. */
export function ContactTypeFieldset({ value, onChange, error }: { value: RegistrationContactType; onChange: (type: RegistrationContactType) => void; error?: string }) {
  return (
    <fieldset className="md:col-span-2" aria-describedby={error ? "contact-type-error" : undefined}>
      <legend className="mb-2 text-sm font-medium">
        How receivers are reached
        <span aria-hidden className="ml-0.5 text-destructive">
          *
        </span>
      </legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {REGISTRATION_CONTACT_TYPES.map((t) => (
          <label
            key={t}
            className={cn(
              "flex cursor-pointer gap-3 rounded-md border border-border p-3 text-sm has-checked:border-primary has-checked:bg-accent has-focus-visible:ring-2 has-focus-visible:ring-ring",
            )}
          >
            <input type="radio" name="registration_contact_type" value={t} checked={value === t} onChange={() => onChange(t)} className="mt-0.5 size-4 accent-primary" />
            <span>
              <span className="block font-medium">{CONTACT_TYPE_INFO[t].label}</span>
              <span className="block text-muted-foreground">{CONTACT_TYPE_INFO[t].description}</span>
            </span>
          </label>
        ))}
      </div>
      {error && (
        <p id="contact-type-error" className="mt-1 text-xs font-medium text-destructive">
          {error}
        </p>
      )}
    </fieldset>
  );
}
