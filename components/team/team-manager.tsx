"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Link2, UserX, UserCheck, Users } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { ROLES, ROLE_LABELS } from "@/server/domain/roles";
import { InviteDialog } from "./invite-dialog";
import { OneTimeLink } from "./one-time-link";
import { RoleSelect } from "./role-select";

export function TeamManager() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: members } = useSuspenseQuery(trpc.team.list.queryOptions());
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [link, setLink] = useState<{ name: string; path: string } | null>(null);
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

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">
          {members.length} {members.length === 1 ? "member" : "members"}
        </p>
        <InviteDialog />
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
      {members.length === 0 ? (
        <EmptyState icon={<Users aria-hidden className="size-6" />} title="No team members yet" description="Invite the people who create, approve and follow disbursements." />
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
                  ) : m.hasPassword ? (
                    <Badge variant="success">Active</Badge>
                  ) : (
                    <Badge variant="warning">Invitation pending</Badge>
                  )}
                </TableCell>
                <TableCell className="text-right">
                  {!m.isSelf && (
                    <div className="flex justify-end gap-1">
                      <Button
                        variant="ghost"
                        size="sm"
                        disabled={createLink.isPending}
                        onClick={() =>
                          createLink.mutate(
                            { userId: m.userId },
                            { onSuccess: (r) => setLink({ name: m.name, path: r.setPasswordLink }) },
                          )
                        }
                      >
                        <Link2 aria-hidden className="size-4" />
                        {m.hasPassword ? "Reset link" : "New invitation link"}
                      </Button>
                      {m.isActive ? (
                        <AlertDialog>
                          <AlertDialogTrigger asChild>
                            <Button variant="ghost" size="sm" className="text-destructive">
                              <UserX aria-hidden className="size-4" />
                              Deactivate
                            </Button>
                          </AlertDialogTrigger>
                          <AlertDialogContent>
                            <AlertDialogHeader>
                              <AlertDialogTitle>Deactivate {m.name}?</AlertDialogTitle>
                              <AlertDialogDescription>
                                {m.email} loses access at once, including any page already open. You can reactivate them later.
                              </AlertDialogDescription>
                            </AlertDialogHeader>
                            <AlertDialogFooter>
                              <AlertDialogCancel>Cancel</AlertDialogCancel>
                              <AlertDialogAction variant="destructive" onClick={() => setActive.mutate({ userId: m.userId, active: false })}>
                                Deactivate
                              </AlertDialogAction>
                            </AlertDialogFooter>
                          </AlertDialogContent>
                        </AlertDialog>
                      ) : (
                        <Button variant="ghost" size="sm" onClick={() => setActive.mutate({ userId: m.userId, active: true })}>
                          <UserCheck aria-hidden className="size-4" />
                          Reactivate
                        </Button>
                      )}
                    </div>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Dialog open={link !== null} onOpenChange={(open) => !open && setLink(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>New link for {link?.name}</DialogTitle>
            <DialogDescription>Earlier links for this person no longer work. This one is shown only once.</DialogDescription>
          </DialogHeader>
          {link && <OneTimeLink path={link.path} />}
        </DialogContent>
      </Dialog>
    </div>
  );
}
