"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Link2, Mail, MoreHorizontal, UserCheck, UserMinus, UserX, Users, XCircle } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { ROLES, ROLE_LABELS } from "@/server/domain/roles";
import { InviteDialog } from "./invite-dialog";
import { OneTimeLink } from "./one-time-link";
import { RoleSelect } from "./role-select";
import { plural } from "@/lib/format";

type Member = { userId: string; name: string; email: string };

const CONFIRM = {
  deactivate: {
    title: (name: string) => `Deactivate ${name}?`,
    text: (email: string) => `${email} loses access at once and is signed out everywhere. You can reactivate them later.`,
    action: "Deactivate",
  },
  revoke: {
    title: (name: string) => `Revoke the invitation of ${name}?`,
    text: (email: string) => `The invitation and its links stop working. You can invite ${email} again later.`,
    action: "Revoke invitation",
  },
  remove: {
    title: (name: string) => `Remove ${name} from the organization?`,
    text: (email: string) =>
      `${email} loses access to this organization at once and is signed out everywhere. Their account stays; to work here again they need a new invitation.`,
    action: "Remove",
  },
  reset: {
    title: (name: string) => `Send ${name} a password reset e-mail?`,
    text: (email: string) => `${email} gets a one-time link to choose a new password. Only they see the link.`,
    action: "Send e-mail",
  },
} as const;

export function TeamManager() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: members } = useSuspenseQuery(trpc.team.list.queryOptions());
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [link, setLink] = useState<{ name: string; path: string } | null>(null);
  const [confirm, setConfirm] = useState<{ kind: "deactivate" | "revoke" | "remove" | "reset"; member: Member } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.team.list.queryKey() });

  const changeRole = useMutation(
    trpc.team.changeRole.mutationOptions({
      onSuccess: (r) => {
        const m = members.find((x) => x.userId === r.userId);
        setNotice({ kind: "success", text: `${m?.name ?? "The user"} is now ${ROLE_LABELS[r.role]}.` });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const setActive = useMutation(
    trpc.team.setActive.mutationOptions({
      onSuccess: (r) => {
        const m = members.find((x) => x.userId === r.userId);
        setNotice({ kind: "success", text: `${m?.name ?? "The user"} was ${r.active ? "reactivated" : "deactivated"}.` });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const createLink = useMutation(
    trpc.team.createPasswordLink.mutationOptions({
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const revokeInvitation = useMutation(
    trpc.team.revokeInvitation.mutationOptions({
      onSuccess: (r) => {
        setNotice({ kind: "success", text: `The invitation of ${nameOf(r.userId)} was revoked.` });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const remove = useMutation(
    trpc.team.remove.mutationOptions({
      onSuccess: (r) => {
        setNotice({ kind: "success", text: `${nameOf(r.userId)} was removed from the organization.` });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const sendReset = useMutation(
    trpc.team.sendPasswordReset.mutationOptions({
      onSuccess: (r) => setNotice({ kind: "success", text: `A password reset e-mail was sent to ${r.email}.` }),
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const nameOf = (userId: string) => members.find((x) => x.userId === userId)?.name ?? "The user";
  const busy = createLink.isPending || revokeInvitation.isPending || remove.isPending || sendReset.isPending || setActive.isPending;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">{plural(members.length, "member")}</p>
        <InviteDialog />
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
      {members.length === 0 ? (
        <EmptyState
          icon={<Users aria-hidden className="size-6" />}
          title="No team members yet"
          description="Invite the people who create, approve and follow disbursements."
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Email</TableHead>
              <TableHead className="w-52">Role</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Actions</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {members.map((m) => (
              <TableRow key={m.userId} data-testid={`member-${m.email}`}>
                <TableCell className="font-medium">
                  {m.name}
                  {m.isSelf && <span className="ml-2 text-xs text-muted-foreground">(you)</span>}
                </TableCell>
                <TableCell>{m.email}</TableCell>
                <TableCell>
                  {m.isSelf ? (
                    <span>{ROLE_LABELS[m.role]}</span>
                  ) : (
                    <RoleSelect
                      aria-label={`Role of ${m.name}`}
                      value={m.role}
                      roles={ROLES}
                      disabled={changeRole.isPending}
                      onChange={(role) => changeRole.mutate({ userId: m.userId, role })}
                    />
                  )}
                </TableCell>
                <TableCell>
                  {!m.isActive ? (
                    <Badge variant="destructive">Deactivated</Badge>
                  ) : m.invitationPending ? (
                    <Badge variant="warning">Invitation pending</Badge>
                  ) : (
                    <Badge variant="success">Active</Badge>
                  )}
                </TableCell>
                <TableCell className="text-right">
                  {!m.isSelf && (
                    <DropdownMenu>
                      <DropdownMenuTrigger asChild>
                        <Button variant="ghost" size="sm" disabled={busy} aria-label={`Actions for ${m.name}`}>
                          <MoreHorizontal aria-hidden className="size-4" />
                        </Button>
                      </DropdownMenuTrigger>
                      <DropdownMenuContent align="end" className="w-60">
                        {m.invitationPending ? (
                          <>
                            <DropdownMenuItem
                              onSelect={() => createLink.mutate({ userId: m.userId }, { onSuccess: (r) => setLink({ name: m.name, path: r.setPasswordLink }) })}
                            >
                              <Link2 aria-hidden className="size-4" />
                              New invitation link
                            </DropdownMenuItem>
                            <DropdownMenuItem destructive onSelect={() => setConfirm({ kind: "revoke", member: m })}>
                              <XCircle aria-hidden className="size-4" />
                              Revoke invitation
                            </DropdownMenuItem>
                          </>
                        ) : (
                          <>
                            <DropdownMenuItem onSelect={() => setConfirm({ kind: "reset", member: m })}>
                              <Mail aria-hidden className="size-4" />
                              Send password reset e-mail
                            </DropdownMenuItem>
                            {m.isActive ? (
                              <DropdownMenuItem destructive onSelect={() => setConfirm({ kind: "deactivate", member: m })}>
                                <UserX aria-hidden className="size-4" />
                                Deactivate
                              </DropdownMenuItem>
                            ) : (
                              <DropdownMenuItem onSelect={() => setActive.mutate({ userId: m.userId, active: true })}>
                                <UserCheck aria-hidden className="size-4" />
                                Reactivate
                              </DropdownMenuItem>
                            )}
                            <DropdownMenuItem destructive onSelect={() => setConfirm({ kind: "remove", member: m })}>
                              <UserMinus aria-hidden className="size-4" />
                              Remove from organization
                            </DropdownMenuItem>
                          </>
                        )}
                      </DropdownMenuContent>
                    </DropdownMenu>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {confirm && (
        <ConfirmDialog
          open
          onOpenChange={(open) => !open && setConfirm(null)}
          title={CONFIRM[confirm.kind].title(confirm.member.name)}
          description={CONFIRM[confirm.kind].text(confirm.member.email)}
          confirmLabel={CONFIRM[confirm.kind].action}
          variant={confirm.kind === "reset" ? "default" : "destructive"}
          closeOnConfirm
          onConfirm={() => {
            const userId = confirm.member.userId;
            if (confirm.kind === "deactivate") setActive.mutate({ userId, active: false });
            if (confirm.kind === "revoke") revokeInvitation.mutate({ userId });
            if (confirm.kind === "remove") remove.mutate({ userId });
            if (confirm.kind === "reset") sendReset.mutate({ userId });
          }}
        />
      )}
      <Dialog open={link !== null} onOpenChange={(open) => !open && setLink(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>New link for {link?.name}</DialogTitle>
            <DialogDescription>Earlier links of this organization for this person no longer work. This one is shown only once.</DialogDescription>
          </DialogHeader>
          {link && <OneTimeLink path={link.path} />}
        </DialogContent>
      </Dialog>
    </div>
  );
}
