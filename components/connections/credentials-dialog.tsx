"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { DateTime } from "@/components/disbursements/common";
import { useTRPC } from "@/components/trpc/client";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import type { ConnectionRow } from "./connections-section";
import { MojaloopCredentialFields } from "./mojaloop-settings-fields";

/** Replace a bank connection's API key, or a Mojaloop connection's JWS keys. Write-only: the stored one is never shown, only when it was set. */
export function CredentialsDialog({
  connection,
  onOpenChange,
  onSaved,
}: {
  connection: ConnectionRow | null;
  onOpenChange: (open: boolean) => void;
  onSaved: (c: ConnectionRow) => void;
}) {
  return (
    <Dialog open={connection !== null} onOpenChange={onOpenChange}>
      <DialogContent className={connection?.rail_type === "MOJALOOP" ? "max-w-2xl" : "max-w-lg"}>
        <DialogHeader>
          <DialogTitle>Replace the credentials of {connection?.name}</DialogTitle>
          <DialogDescription>
            {connection?.credentials.set && connection.credentials.updated_at ? (
              <>
                {connection.rail_type === "MOJALOOP" ? "The current keys were" : "The current API key was"} set on <DateTime value={connection.credentials.updated_at} />.{" "}
                {connection.rail_type === "MOJALOOP" ? "They cannot be shown; enter the new ones." : "It cannot be shown; enter the new one."}
              </>
            ) : connection?.rail_type === "MOJALOOP" ? (
              "No JWS keys are set yet."
            ) : (
              "No API key is set yet."
            )}
          </DialogDescription>
        </DialogHeader>
        {connection && <CredentialsForm connection={connection} onCancel={() => onOpenChange(false)} onSaved={onSaved} />}
      </DialogContent>
    </Dialog>
  );
}

function CredentialsForm({ connection, onCancel, onSaved }: { connection: ConnectionRow; onCancel: () => void; onSaved: (c: ConnectionRow) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [apiKey, setApiKey] = useState("");
  const [keys, setKeys] = useState({ jwsSigningKey: "", switchCertificate: "" });
  const mojaloop = connection.rail_type === "MOJALOOP";
  const replace = useMutation(
    trpc.connections.replaceCredentials.mutationOptions({
      onSuccess: async (c) => {
        await queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
        onSaved(c);
      },
    }),
  );
  const errors = fieldErrorsOf(replace.error);
  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        replace.mutate({ id: connection.id, credentials: mojaloop ? keys : { apiKey } });
      }}
    >
      {mojaloop ? (
        <MojaloopCredentialFields values={keys} set={(patch) => setKeys((k) => ({ ...k, ...patch }))} errors={errors} />
      ) : (
        <Field label="New API key" required error={errors["credentials.apiKey"]}>
          <Input type="password" autoComplete="new-password" spellCheck={false} value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
        </Field>
      )}
      {replace.error && !Object.keys(errors).some((k) => k.startsWith("credentials.")) && (
        <Alert variant="destructive">
          <AlertDescription>{messageOf(replace.error)}</AlertDescription>
        </Alert>
      )}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={replace.isPending}>
          {replace.isPending ? "Replacing…" : "Replace credentials"}
        </Button>
      </DialogFooter>
    </form>
  );
}
