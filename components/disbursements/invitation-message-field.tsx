"use client";

import { Field } from "@/components/ui/field";
import { Textarea } from "@/components/ui/textarea";
import { DEFAULT_INVITATION_TEMPLATE, renderTemplate } from "@/server/domain/message-template";
import { MESSAGE_TEMPLATE_MAX } from "@/server/schemas/disbursements.schema";

/** The optional invitation text of a new disbursement, and a preview of it once something is typed. */
export function InvitationMessageField({
  value,
  onChange,
  error,
  organizationName,
  organizationTemplate,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string;
  organizationName: string;
  /** The organization's default text, shown as the placeholder. */
  organizationTemplate: string | null | undefined;
}) {
  return (
    <>
      <Field
        label="Invitation message (optional)"
        className="md:col-span-2"
        error={error}
        hint={
          <>
            Plain text. <code>{"{{.OrganizationName}}"}</code> becomes “{organizationName}”; <code>{"{{.RegistrationLink}}"}</code> becomes the receiver&apos;s personal
            link (added at the end if you leave it out). Empty uses your organization&apos;s default.
          </>
        }
      >
        <Textarea
          value={value}
          onChange={(e) => onChange(e.target.value)}
          rows={3}
          maxLength={MESSAGE_TEMPLATE_MAX}
          placeholder={organizationTemplate || DEFAULT_INVITATION_TEMPLATE}
        />
      </Field>
      {value.trim() && (
        <div className="rounded-md bg-muted p-3 text-sm md:col-span-2">
          <p className="mb-1 text-xs font-medium tracking-wide text-muted-foreground uppercase">Preview</p>
          <p>{renderTemplate(value, { organizationName, registrationLink: "https://…/register?token=…" })}</p>
        </div>
      )}
    </>
  );
}
