"use client";

import { useMutation } from "@tanstack/react-query";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";

/** "Forgot password": the answer is the same whether or not an account exists for the address. */
export function ForgotPasswordForm() {
  const trpc = useTRPC();
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  const errors = fieldErrorsOf(request.error);
  if (request.data) {
    return (
      <Alert variant="success">
        <AlertDescription>{request.data.message}</AlertDescription>
      </Alert>
    );
  }
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        request.mutate({ email: String(new FormData(e.currentTarget).get("email") ?? "") });
      }}
    >
      <Field label="Email" required error={errors.email}>
        <Input name="email" type="email" autoComplete="username" required autoFocus maxLength={254} />
      </Field>
      {request.error && !errors.email && (
        <Alert variant="destructive">
          <AlertDescription>{messageOf(request.error)}</AlertDescription>
        </Alert>
      )}
      <Button type="submit" className="w-full" disabled={request.isPending}>
        {request.isPending ? "Sending…" : "Send me a link"}
      </Button>
    </form>
  );
}
