"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UserPlus } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { ROLES, ROLE_LABELS, type Role } from "@/server/domain/roles";
import { EMAIL_MAX, PERSON_NAME_MAX } from "@/server/schemas/team.schema";
import { OneTimeLink } from "./one-time-link";
import { RoleSelect } from "./role-select";

export function InviteDialog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [role, setRole] = useState<Role>("initiator");
  const invite = useMutation(
    trpc.team.invite.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() }),
    }),
  );
  const errors = fieldErrorsOf(invite.error);

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      invite.reset();
      setRole("initiator");
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <UserPlus aria-hidden className="size-4" />
          Invite user
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Invite a team member</DialogTitle>
          <DialogDescription>
            They get an invitation e-mail with a one-time link (when an e-mail server is set up). The link is also shown here, once, if you prefer to send it yourself.
          </DialogDescription>
        </DialogHeader>
        {invite.data ? (
          <div className="space-y-4">
            <Alert variant={invite.data.invitationEmail === "sent" ? "success" : "default"}>
              <AlertDescription data-testid="invitation-email-outcome">
                {invite.data.email} is invited as {ROLE_LABELS[role]}.{" "}
                {invite.data.invitationEmail === "sent"
                  ? "We e-mailed them the invitation."
                  : invite.data.invitationEmail === "queued"
                    ? "The e-mail server did not take the invitation e-mail yet: it is tried again in a few minutes. You can also send them the link below."
                    : "No e-mail server is set up (SMTP_URL), so no e-mail was sent: send them the link below yourself."}
              </AlertDescription>
            </Alert>
            <OneTimeLink path={invite.data.invitationLink} label="One-time invitation link" />
            <p className="text-sm text-muted-foreground">
              Someone new chooses a password with this link. If the address already has an account, its holder signs in and accepts the invitation instead; until then the
              invitation grants nothing.
            </p>
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </div>
        ) : (
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              const form = new FormData(e.currentTarget);
              invite.mutate({ name: String(form.get("name") ?? ""), email: String(form.get("email") ?? ""), role });
            }}
          >
            <Field label="Full name" required error={errors.name}>
              <Input name="name" autoComplete="off" required maxLength={PERSON_NAME_MAX} />
            </Field>
            <Field label="Email" required error={errors.email}>
              <Input name="email" type="email" autoComplete="off" required maxLength={EMAIL_MAX} />
            </Field>
            <Field label="Role" error={errors.role}>
              {(p) => <RoleSelect {...p} value={role} onChange={setRole} roles={ROLES} />}
            </Field>
            {invite.error && !errors.name && !errors.email && !errors.role && (
              <Alert variant="destructive">
                <AlertDescription>{messageOf(invite.error)}</AlertDescription>
              </Alert>
            )}
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={invite.isPending}>
                {invite.isPending ? "Inviting…" : "Send invitation"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
