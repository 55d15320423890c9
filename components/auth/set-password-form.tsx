"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";

const MIN_LENGTH = 10;

export function SetPasswordForm({ token }: { token: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [mismatch, setMismatch] = useState<string | null>(null);
  const setPassword = useMutation(trpc.auth.setPassword.mutationOptions({ onSuccess: () => router.replace("/login?reason=password-set") }));
  const errors = fieldErrorsOf(setPassword.error);
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const password = String(form.get("password") ?? "");
        if (password !== String(form.get("confirm") ?? "")) return setMismatch("The two passwords do not match.");
        setMismatch(null);
        setPassword.mutate({ token, password });
      }}
    >
      <Field label="New password" hint={`At least ${MIN_LENGTH} characters.`} required error={errors.password}>
        <Input name="password" type="password" autoComplete="new-password" minLength={MIN_LENGTH} required />
      </Field>
      <Field label="Repeat the password" required error={mismatch}>
        <Input name="confirm" type="password" autoComplete="new-password" required />
      </Field>
      {setPassword.error && !errors.password && (
        <Alert variant="destructive">
          <AlertDescription>{messageOf(setPassword.error)}</AlertDescription>
        </Alert>
      )}
      <Button type="submit" className="w-full" disabled={setPassword.isPending}>
        {setPassword.isPending ? "Saving…" : "Set password"}
      </Button>
    </form>
  );
}
