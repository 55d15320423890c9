"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Send } from "lucide-react";
import { Button } from "@/components/ui/button";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";

/** Staff resend of a READY wallet's invitation (receivers:write), outside the schedule. */
export function ResendInvitationButton({ receiverId, receiverWalletId }: { receiverId: string; receiverWalletId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const resend = useMutation(
    trpc.receivers.resendInvitation.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.receivers.get.queryKey({ id: receiverId }) }),
          queryClient.invalidateQueries({ queryKey: trpc.messages.list.queryKey() }),
        ]),
    }),
  );
  return (
    <div className="space-y-1">
      <Button variant="outline" size="sm" onClick={() => resend.mutate({ receiverWalletId })} disabled={resend.isPending}>
        <Send aria-hidden />
        {resend.isPending ? "Sending…" : "Resend invitation"}
      </Button>
      {resend.data && (
        <p role="status" className={resend.data.status === "SUCCESS" ? "text-sm text-success" : "text-sm text-destructive"}>
          {resend.data.status === "SUCCESS"
            ? "Invitation sent with a new link (earlier links no longer work)."
            : `The invitation could not be delivered: ${resend.data.error}`}
        </p>
      )}
      {resend.error && <p className="text-sm text-destructive">{messageOf(resend.error)}</p>}
    </div>
  );
}
