"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { ArrowLeft, Check, Lock, X } from "lucide-react";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useTRPC } from "@/components/trpc/client";
import type { VerificationField } from "@/server/domain/disbursement-types";
import { CopyValue, DateTime, Detail, WalletStatusBadge } from "@/components/disbursements/common";
import { VERIFICATION_LABELS } from "@/components/disbursements/csv";
import { StatusTimeline } from "@/components/disbursements/status-timeline";
import { ScopedPayments } from "@/components/payments/payments-table";
import { ReceiverWalletActions } from "./receiver-actions";
import { EditReceiverButton } from "./receiver-write-dialogs";
import { ReceiverMessages } from "./receiver-messages";
import { ReplaceVerificationButton, UnlockReceiverButton } from "./receiver-security-actions";
import { ResendInvitationButton } from "./resend-invitation-button";
import { plural } from "@/lib/format";
import { BankAccountDetails, isBankDestination, walletLabel } from "./destination-text";

function Count({ label, value }: { label: string; value: number }) {
  return (
    <div className="rounded-lg border border-border bg-card p-4">
      <p className="text-xs font-medium tracking-wide text-muted-foreground uppercase">{label}</p>
      <p className="mt-1 text-xl font-semibold tabular-nums">{value}</p>
    </div>
  );
}

export function ReceiverDetailView({ id, canWrite = false, canSecrets = false }: { id: string; canWrite?: boolean; canSecrets?: boolean }) {
  const trpc = useTRPC();
  const { data: r } = useSuspenseQuery(trpc.receivers.get.queryOptions({ id }));
  const contact = r.phone_number || r.email || r.external_id;
  return (
    <div className="space-y-6">
      <div>
        <Link href="/receivers" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft aria-hidden className="size-4" />
          Receivers
        </Link>
      </div>
      <div>
        <h1 className="text-2xl font-semibold tracking-tight break-words">{contact}</h1>
        <p className="mt-1 text-sm text-muted-foreground">External id {r.external_id}</p>
      </div>

      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Count label="Payments" value={r.total_payments} />
        <Count label="Successful" value={r.successful_payments} />
        <Count label="Failed" value={r.failed_payments} />
        <Count label="Remaining" value={r.remaining_payments} />
      </div>

      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-1">
          <CardHeader>
            <div className="flex flex-wrap items-center justify-between gap-2">
              <CardTitle asChild>
                <h2>Contact</h2>
              </CardTitle>
              {canWrite && <EditReceiverButton receiver={r} />}
            </div>
          </CardHeader>
          <CardContent>
            <dl className="grid gap-4">
              <Detail term="Phone">{r.phone_number || "—"}</Detail>
              <Detail term="Email">{r.email || "—"}</Detail>
              <Detail term="External id">{r.external_id}</Detail>
              <Detail term="Added">
                <DateTime value={r.created_at} />
              </Detail>
            </dl>
          </CardContent>
        </Card>

        <Card className="lg:col-span-2">
          <CardHeader>
            <div className="flex flex-wrap items-center justify-between gap-2">
              <CardTitle asChild>
                <h2>Verification</h2>
              </CardTitle>
              {canWrite && r.registration_locked && <UnlockReceiverButton receiverId={id} />}
            </div>
            <CardDescription>What the receiver must confirm to register. Values are stored hashed and never shown.</CardDescription>
            {r.registration_locked && (
              <p className="text-sm text-destructive" data-testid="registration-locked">
                Registration is locked after too many wrong attempts
                {r.wallets.some((w) => w.otp_locked) ? " (one-time codes)" : ""}
                {r.verifications.some((v) => v.locked && !v.confirmed) ? " (verification value)" : ""}.
              </p>
            )}
          </CardHeader>
          <CardContent>
            {r.verifications.length === 0 ? (
              <p className="text-sm text-muted-foreground">No verification on file (wallet addresses were given directly).</p>
            ) : (
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Field</TableHead>
                    <TableHead>Confirmed</TableHead>
                    <TableHead className="text-right">Attempts</TableHead>
                    <TableHead>Locked</TableHead>
                    {canWrite && <TableHead className="sr-only">Actions</TableHead>}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {r.verifications.map((v) => (
                    <TableRow key={v.verification_field}>
                      <TableCell>{VERIFICATION_LABELS[v.verification_field as VerificationField] ?? v.verification_field}</TableCell>
                      <TableCell>
                        {v.confirmed ? (
                          <span className="inline-flex items-center gap-1 text-success">
                            <Check aria-hidden className="size-4" />
                            Yes
                            {v.confirmed_at ? (
                              <span className="text-muted-foreground">
                                , <DateTime value={v.confirmed_at} />
                              </span>
                            ) : null}
                          </span>
                        ) : (
                          <span className="inline-flex items-center gap-1 text-muted-foreground">
                            <X aria-hidden className="size-4" />
                            Not yet
                          </span>
                        )}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{v.attempts}</TableCell>
                      <TableCell>
                        {v.locked ? (
                          <Badge variant="destructive">
                            <Lock aria-hidden />
                            Locked
                          </Badge>
                        ) : (
                          "No"
                        )}
                      </TableCell>
                      {canWrite && (
                        <TableCell className="text-right">
                          <ReplaceVerificationButton receiverId={id} field={v.verification_field as VerificationField} />
                        </TableCell>
                      )}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
      </div>

      <section aria-labelledby="wallets-title" className="space-y-3">
        <h2 id="wallets-title" className="text-lg font-semibold">
          Wallets
        </h2>
        {r.wallets.length === 0 ? (
          <p className="text-sm text-muted-foreground">No wallet yet.</p>
        ) : (
          <div className="grid gap-4 md:grid-cols-2">
            {r.wallets.map((w) => (
              <Card key={w.id}>
                <CardHeader className="pb-3">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <CardTitle asChild className="text-base">
                      <h3>{walletLabel(w)}</h3>
                    </CardTitle>
                    <div className="flex items-center gap-2">
                      {w.otp_locked && (
                        <Badge variant="destructive">
                          <Lock aria-hidden />
                          Codes locked
                        </Badge>
                      )}
                      <WalletStatusBadge status={w.status} />
                    </div>
                  </div>
                </CardHeader>
                <CardContent className="space-y-4">
                  <dl className="grid gap-3 sm:grid-cols-2">
                    {isBankDestination(w.destination) ? (
                      <Detail term="Account">
                        <BankAccountDetails destination={w.destination} />
                      </Detail>
                    ) : (
                      <>
                        <Detail term="Address">
                          {w.stellar_address ? (
                            <CopyValue value={w.stellar_address} label="wallet address" />
                          ) : (
                            <span className="text-muted-foreground">Not registered</span>
                          )}
                        </Detail>
                        <Detail term="Memo">{w.stellar_memo || "—"}</Detail>
                      </>
                    )}
                  </dl>
                  {/* A bank account comes from the instructions: nothing to unregister or reset. */}
                  {canWrite && w.wallet && <ReceiverWalletActions receiverId={id} wallet={{ ...w, wallet: w.wallet }} canSecrets={canSecrets} />}
                  {canWrite && w.status === "READY" && (
                    <div className="text-xs text-muted-foreground">
                      <ResendInvitationButton receiverId={id} receiverWalletId={w.id} />
                      <p className="mt-1">
                        {w.invitations_sent === 0 ? "No invitation sent yet." : `${plural(w.invitations_sent, "invitation")} sent`}
                        {w.last_invitation_at ? (
                          <>
                            , last <DateTime value={w.last_invitation_at} />
                          </>
                        ) : null}
                      </p>
                    </div>
                  )}
                  <div>
                    <h4 className="mb-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">Status history</h4>
                    <StatusTimeline
                      label={`Status history of the ${walletLabel(w)} wallet`}
                      entries={w.status_history}
                      renderStatus={(s) => <WalletStatusBadge status={s} />}
                    />
                  </div>
                </CardContent>
              </Card>
            ))}
          </div>
        )}
      </section>

      <ReceiverMessages messages={r.messages} />

      <ScopedPayments scope={{ receiver_id: id }} columns={{ disbursement: true, wallet: true }} />
    </div>
  );
}
