"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { LogOut } from "lucide-react";
import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { describeUserAgent } from "@/server/domain/user-agent";

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const formatWhen = (d: Date | string) => `${when.format(new Date(d))} UTC`;

/** Profile page body: name, password, (the MFA section passed in), sessions, sign out everywhere. */
export function ProfileView({ mfa }: { mfa?: ReactNode } = {}) {
  return (
    <div className="space-y-6">
      <NameCard />
      <PasswordCard />
      {mfa}
      <SessionsCard />
    </div>
  );
}

function NameCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { data: profile } = useSuspenseQuery(trpc.profile.get.queryOptions());
  const [name, setName] = useState(profile.name);
  const [saved, setSaved] = useState(false);
  const update = useMutation(
    trpc.profile.updateName.mutationOptions({
      onSuccess: async (r) => {
        setName(r.name);
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.profile.get.queryKey() });
        router.refresh(); // the user menu shows the name too
      },
    }),
  );
  const errors = fieldErrorsOf(update.error);
  return (
    <Card>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          update.mutate({ name });
        }}
      >
        <CardHeader>
          <CardTitle asChild>
            <h2>Your details</h2>
          </CardTitle>
          <CardDescription>Your name is shown to the people you work with in every organization you belong to.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4 md:grid-cols-2">
          <Field label="Name" required error={errors.name}>
            <Input
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                setSaved(false);
              }}
              maxLength={120}
              required
              autoComplete="name"
            />
          </Field>
          <Field label="Email" hint="Your sign-in name. Ask an owner if it must change.">
            <Input value={profile.email} readOnly disabled />
          </Field>
          {saved && (
            <Alert variant="success" className="md:col-span-2">
              <AlertDescription>Your name is saved.</AlertDescription>
            </Alert>
          )}
          {update.error && !errors.name && (
            <Alert variant="destructive" className="md:col-span-2">
              <AlertDescription>{messageOf(update.error)}</AlertDescription>
            </Alert>
          )}
        </CardContent>
        <CardFooter>
          <Button type="submit" disabled={update.isPending || name.trim() === profile.name}>
            {update.isPending ? "Saving…" : "Save name"}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}

function PasswordCard() {
  const trpc = useTRPC();
  const [currentPassword, setCurrentPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(
    trpc.profile.changePassword.mutationOptions({
      // Every session ended, this one too: clear the cookie and sign in again with the new password.
      onSuccess: () => void signOut({ callbackUrl: "/login?reason=password-changed" }),
    }),
  );
  const errors = fieldErrorsOf(change.error);
  return (
    <Card>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (newPassword !== repeat) {
            setMismatch(true);
            return;
          }
          setMismatch(false);
          change.mutate({ currentPassword, newPassword });
        }}
      >
        <CardHeader>
          <CardTitle asChild>
            <h2>Password</h2>
          </CardTitle>
          <CardDescription>At least 10 characters. Changing it signs you out everywhere, this browser included; then you sign in with the new password.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4 md:grid-cols-3">
          <Field label="Current password" required error={errors.currentPassword}>
            <Input type="password" value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} autoComplete="current-password" required />
          </Field>
          <Field label="New password" required error={errors.newPassword}>
            <Input type="password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} autoComplete="new-password" required />
          </Field>
          <Field label="Repeat the new password" required error={mismatch ? "The two new passwords are not the same." : undefined}>
            <Input type="password" value={repeat} onChange={(e) => setRepeat(e.target.value)} autoComplete="new-password" required />
          </Field>
          {change.error && !errors.currentPassword && !errors.newPassword && (
            <Alert variant="destructive" className="md:col-span-3">
              <AlertDescription>{messageOf(change.error)}</AlertDescription>
            </Alert>
          )}
        </CardContent>
        <CardFooter>
          <Button type="submit" disabled={change.isPending || change.isSuccess}>
            {change.isPending || change.isSuccess ? "Changing…" : "Change password"}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}

function SessionsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: sessions } = useSuspenseQuery(trpc.profile.sessions.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.profile.sessions.queryKey() });
  const end = useMutation(trpc.profile.endSession.mutationOptions({ onSuccess: refresh }));
  const everywhere = useMutation(
    trpc.profile.signOutEverywhere.mutationOptions({
      onSuccess: () => void signOut({ callbackUrl: "/login?reason=signed-out-everywhere" }),
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h2>Where you are signed in</h2>
        </CardTitle>
        <CardDescription>Each browser that signed in to your account and has not signed out. A session lasts at most 12 hours.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <Table aria-label="Your sessions">
          <TableHeader>
            <TableRow>
              <TableHead>Browser</TableHead>
              <TableHead>Address</TableHead>
              <TableHead>Signed in</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {sessions.map((s) => (
              <TableRow key={s.id} data-testid="session-row">
                <TableCell>
                  <span title={s.userAgent ?? undefined}>{describeUserAgent(s.userAgent)}</span>
                  {s.current && (
                    <Badge variant="secondary" className="ml-2">
                      This browser
                    </Badge>
                  )}
                </TableCell>
                <TableCell className="font-mono text-xs">{s.ip ?? "unknown"}</TableCell>
                <TableCell>{formatWhen(s.createdAt)}</TableCell>
                <TableCell className="text-right">
                  {!s.current && (
                    <Button variant="outline" size="sm" disabled={end.isPending} onClick={() => end.mutate({ sessionId: s.id })}>
                      Sign out
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {(end.error || everywhere.error) && (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(end.error ?? everywhere.error)}</AlertDescription>
          </Alert>
        )}
      </CardContent>
      <CardFooter>
        <ConfirmDialog
          trigger={
            <Button variant="destructive" disabled={everywhere.isPending || everywhere.isSuccess}>
              <LogOut aria-hidden />
              Sign out everywhere
            </Button>
          }
          title="Sign out everywhere?"
          description="Every browser signed in to your account is signed out at once, this one included. Use this if a device was lost or someone else may know your password (then change it too)."
          confirmLabel="Sign out everywhere"
          variant="destructive"
          closeOnConfirm
          onConfirm={() => everywhere.mutate()}
        />
      </CardFooter>
    </Card>
  );
}
