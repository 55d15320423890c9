"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { DEFAULT_INVITATION_TEMPLATE, renderTemplate } from "@/server/domain/message-template";
import { INVITATION_TEMPLATE_MAX, MAX_RESENDS_LIMIT, ORGANIZATION_NAME_MAX, RESEND_INTERVAL_HOURS } from "@/server/schemas/organization.schema";

export function SettingsForm({ canEdit, isOwner = false }: { canEdit: boolean; isOwner?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: org } = useSuspenseQuery(trpc.organization.get.queryOptions());
  const { data: zones } = useSuspenseQuery(trpc.organization.timeZones.queryOptions());
  const [name, setName] = useState(org.name);
  const [logoUrl, setLogoUrl] = useState(org.logoUrl ?? "");
  const [timezone, setTimezone] = useState(org.timezone);
  const [approvalRequired, setApprovalRequired] = useState(org.approvalRequired);
  const [mfaRequired, setMfaRequired] = useState(org.mfaRequired);
  const [template, setTemplate] = useState(org.invitationMessageTemplate ?? "");
  const [invitationsEnabled, setInvitationsEnabled] = useState(org.invitationsEnabled);
  const [resendHours, setResendHours] = useState(String(org.invitationResendIntervalHours));
  const [maxResends, setMaxResends] = useState(String(org.invitationMaxResends));
  const update = useMutation(
    trpc.organization.update.mutationOptions({
      onSuccess: (data) => queryClient.setQueryData(trpc.organization.get.queryKey(), data),
    }),
  );
  const errors = fieldErrorsOf(update.error);
  const dirty =
    name !== org.name ||
    logoUrl !== (org.logoUrl ?? "") ||
    timezone !== org.timezone ||
    approvalRequired !== org.approvalRequired ||
    mfaRequired !== org.mfaRequired ||
    template !== (org.invitationMessageTemplate ?? "") ||
    invitationsEnabled !== org.invitationsEnabled ||
    resendHours !== String(org.invitationResendIntervalHours) ||
    maxResends !== String(org.invitationMaxResends);

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({
          name,
          logoUrl,
          timezone,
          approvalRequired,
          mfaRequired,
          invitationMessageTemplate: template,
          invitationsEnabled,
          invitationResendIntervalHours: Number(resendHours),
          invitationMaxResends: Number(maxResends),
        });
      }}
    >
      <fieldset disabled={!canEdit || update.isPending} className="space-y-6">
        <Card>
          <CardHeader>
            <CardTitle>Organization</CardTitle>
            <CardDescription>Shown to your team and to the people you pay.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4 md:grid-cols-2">
            <Field label="Name" required error={errors.name}>
              <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={ORGANIZATION_NAME_MAX} required />
            </Field>
            <Field label="Logo URL" hint="An https:// link to a square image." error={errors.logoUrl}>
              <Input value={logoUrl} onChange={(e) => setLogoUrl(e.target.value)} type="url" placeholder="https://example.org/logo.png" />
            </Field>
            <Field label="Time zone" hint="Dates and schedules are shown in this zone." error={errors.timezone}>
              <select
                value={timezone}
                onChange={(e) => setTimezone(e.target.value)}
                className="h-9 w-full rounded-md border border-input bg-card px-2 text-sm disabled:opacity-60"
              >
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
            </Field>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Approvals</CardTitle>
            <CardDescription>The two-person rule for starting disbursements.</CardDescription>
          </CardHeader>
          <CardContent>
            <div className="flex items-start gap-3">
              <Switch id="approval-required" checked={approvalRequired} onCheckedChange={setApprovalRequired} aria-describedby="approval-required-hint" />
              <div>
                <label htmlFor="approval-required" className="text-sm font-medium">
                  Approval required
                </label>
                <p id="approval-required-hint" className="text-sm text-muted-foreground">
                  When on, the person who created a disbursement or uploaded its instructions cannot start it: a second person must.
                </p>
              </div>
            </div>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Sign-in security</CardTitle>
            <CardDescription>Two-factor authentication with an authenticator app (TOTP).</CardDescription>
          </CardHeader>
          <CardContent className="space-y-2">
            <div className="flex items-start gap-3">
              <Switch id="mfa-required" checked={mfaRequired} onCheckedChange={setMfaRequired} disabled={!isOwner} aria-describedby="mfa-required-hint" />
              <div>
                <label htmlFor="mfa-required" className="text-sm font-medium">
                  MFA required for all members
                </label>
                <p id="mfa-required-hint" className="text-sm text-muted-foreground">
                  When on, members without two-factor authentication are sent to set it up right after signing in, and can do nothing else in this organization until they
                  have. API keys are not affected. {isOwner ? "Turn it on for your own account first (Profile)." : "Only owners can change this."}
                </p>
              </div>
            </div>
            {errors.mfaRequired && (
              <p role="alert" className="text-sm text-destructive">
                {errors.mfaRequired}
              </p>
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Invitation message</CardTitle>
            <CardDescription>
              Sent to receivers who still need to register a wallet. Use {"{{.OrganizationName}}"} and {"{{.RegistrationLink}}"}; the link is added at the end when
              missing. Plain text only.
            </CardDescription>
          </CardHeader>
          <CardContent className="space-y-3">
            <div className="flex items-start gap-3">
              <Switch id="invitations-enabled" checked={invitationsEnabled} onCheckedChange={setInvitationsEnabled} aria-describedby="invitations-enabled-hint" />
              <div>
                <label htmlFor="invitations-enabled" className="text-sm font-medium">
                  Send invitations
                </label>
                <p id="invitations-enabled-hint" className="text-sm text-muted-foreground">
                  When on, receivers get an invitation when a disbursement starts, and reminders until they register. Staff can always resend by hand from the receiver
                  page.
                </p>
              </div>
            </div>
            <div className="grid gap-4 md:grid-cols-2">
              <Field label="Resend after (hours)" hint="Time between reminders." error={errors.invitationResendIntervalHours}>
                <Input
                  type="number"
                  inputMode="numeric"
                  min={RESEND_INTERVAL_HOURS.min}
                  max={RESEND_INTERVAL_HOURS.max}
                  step={1}
                  value={resendHours}
                  onChange={(e) => setResendHours(e.target.value)}
                  required
                />
              </Field>
              <Field label="Reminders" hint="How many times to resend after the first invitation (0: none)." error={errors.invitationMaxResends}>
                <Input
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={MAX_RESENDS_LIMIT}
                  step={1}
                  value={maxResends}
                  onChange={(e) => setMaxResends(e.target.value)}
                  required
                />
              </Field>
            </div>
            <Field label="Default message" hint="Leave empty to use the standard message." error={errors.invitationMessageTemplate}>
              <Textarea
                value={template}
                onChange={(e) => setTemplate(e.target.value)}
                rows={4}
                maxLength={INVITATION_TEMPLATE_MAX}
                placeholder={DEFAULT_INVITATION_TEMPLATE}
              />
            </Field>
            <div className="rounded-md bg-muted p-3 text-sm">
              <p className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">Preview</p>
              <p>{renderTemplate(template, { organizationName: name || org.name, registrationLink: "https://…/register?token=…" })}</p>
            </div>
          </CardContent>
          {canEdit && (
            <CardFooter className="flex flex-wrap items-center gap-3">
              <Button type="submit" disabled={!dirty || update.isPending}>
                {update.isPending ? "Saving…" : "Save changes"}
              </Button>
              {update.isSuccess && !dirty && (
                <span role="status" className="text-sm text-success">
                  Saved.
                </span>
              )}
            </CardFooter>
          )}
        </Card>
        {update.error && Object.keys(errors).length === 0 && (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(update.error)}</AlertDescription>
          </Alert>
        )}
      </fieldset>
    </form>
  );
}
