"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Check, MailOpen, X } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { ROLE_LABELS } from "@/server/domain/roles";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

export function PendingInvitations() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { data: invitations } = useSuspenseQuery(trpc.invitations.list.queryOptions());
  const [joined, setJoined] = useState<{ orgId: string; orgName: string } | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() });

  const accept = useMutation(
    trpc.invitations.accept.mutationOptions({
      onSuccess: (r) => {
        setJoined({ orgId: r.orgId, orgName: r.orgName });
        setNotice({ kind: "success", text: `You joined ${r.orgName} as ${ROLE_LABELS[r.role]}.` });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const decline = useMutation(
    trpc.invitations.decline.mutationOptions({
      onSuccess: () => {
        setNotice({ kind: "success", text: "Invitation declined." });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const open = useMutation(
    trpc.session.switchOrganization.mutationOptions({
      onSuccess: () => {
        router.push("/");
        router.refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const busy = accept.isPending || decline.isPending;

  return (
    <div className="space-y-4">
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription className="flex flex-wrap items-center justify-between gap-2">
            <span>{notice.text}</span>
            {joined && notice.kind === "success" && (
              <Button size="sm" disabled={open.isPending} onClick={() => open.mutate({ orgId: joined.orgId })}>
                Open {joined.orgName}
              </Button>
            )}
          </AlertDescription>
        </Alert>
      )}
      {invitations.length === 0 ? (
        <EmptyState
          icon={<MailOpen aria-hidden className="size-6" />}
          title="No pending invitations"
          description="When an organization invites your account, the invitation appears here."
        />
      ) : (
        <ul className="space-y-3" aria-label="Pending invitations">
          {invitations.map((inv) => (
            <li key={inv.orgId}>
              <Card data-testid={`invitation-${inv.orgName}`}>
                <CardContent className="flex flex-wrap items-center justify-between gap-4 p-4">
                  <div className="space-y-1">
                    <p className="font-medium">{inv.orgName}</p>
                    <p className="text-sm text-muted-foreground">
                      As {ROLE_LABELS[inv.role]}
                      {inv.invitedByName ? ` · invited by ${inv.invitedByName}${inv.invitedByEmail ? ` (${inv.invitedByEmail})` : ""}` : ""}
                      {` · ${dateFormat.format(new Date(inv.invitedAt))}`}
                    </p>
                  </div>
                  <div className="flex gap-2">
                    <Button
                      variant="outline"
                      size="sm"
                      disabled={busy}
                      onClick={() => decline.mutate({ orgId: inv.orgId })}
                      aria-label={`Decline the invitation of ${inv.orgName}`}
                    >
                      <X aria-hidden className="size-4" />
                      Decline
                    </Button>
                    <Button size="sm" disabled={busy} onClick={() => accept.mutate({ orgId: inv.orgId })} aria-label={`Accept the invitation of ${inv.orgName}`}>
                      <Check aria-hidden className="size-4" />
                      Accept
                    </Button>
                  </div>
                </CardContent>
              </Card>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
