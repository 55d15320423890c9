"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { AlertTriangle, ArrowLeft, Ban, CalendarClock, Download, ListChecks, Pause, Play, ShieldCheck, Trash2, Upload, Wallet } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { Spinner } from "@/components/ui/spinner";
import { fieldErrorsOf, hasReason, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { ScopedPayments } from "@/components/payments/payments-table";
import { cn } from "@/lib/utils";
import type { RegistrationContactType, VerificationField } from "@/server/domain/disbursement-types";
import { authoredDraftOrReady } from "@/server/domain/disbursement-actions";
import { formatStroops, toStroops } from "@/server/domain/money";
import {
  countPercent,
  DateTime,
  formatCount,
  Detail,
  DisbursementStatusBadge,
  formatAmount,
  percentOf,
  shorten,
  type DisbursementDetail,
} from "./common";
import { CONTACT_TYPE_INFO, VERIFICATION_LABELS, uploadInstructions, type UploadError } from "./csv";
import { CsvFilePicker, CsvTemplateLink, UploadErrors } from "./csv-picker";
import { EnvelopeCard, envelopeBlockText, hasEnvelope } from "./envelope";
import { PreflightReport, usePreflight } from "./preflight";
import { StatusTimeline } from "./status-timeline";

type StatusAction = "start" | "pause" | "resume";

function Stat({ label, value, sub, testId }: { label: string; value: React.ReactNode; sub?: React.ReactNode; testId?: string }) {
  return (
    <div className="rounded-lg border border-border bg-card p-4" data-testid={testId}>
      <p className="text-xs font-medium tracking-wide text-muted-foreground uppercase">{label}</p>
      <p className="mt-1 text-xl font-semibold tabular-nums">{value}</p>
      {sub ? <p className="mt-0.5 text-xs text-muted-foreground">{sub}</p> : null}
    </div>
  );
}

const APPROVAL_REASON = "Approval is required: someone other than the creator or uploader must start this disbursement.";

export function DisbursementDetailView({
  id,
  userId,
  roleLabel,
  canExport = false,
}: {
  id: string;
  userId: string;
  roleLabel: string;
  /** "exports:read": the instructions file holds verification values, so only these roles see its links. */
  canExport?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { data: d } = useSuspenseQuery({
    ...trpc.disbursements.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data?.status === "STARTED" ? 3000 : false),
  });
  const { data: org } = useSuspenseQuery(trpc.organization.get.queryOptions());
  const [confirm, setConfirm] = useState<StatusAction | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [uploaderOpen, setUploaderOpen] = useState(!d.file_name);
  const [showPreflight, setShowPreflight] = useState(false);
  const preflight = usePreflight(id);
  const instructionsRef = useRef<HTMLElement>(null);

  // Live progress: totals and the payments table poll while STARTED. When the status moves on
  // (COMPLETED, PAUSED), fetch the payments once more so the table shows where they settled.
  const lastStatus = useRef(d.status);
  useEffect(() => {
    if (lastStatus.current === d.status) return;
    lastStatus.current = d.status;
    void queryClient.invalidateQueries({ queryKey: trpc.payments.list.queryKey() });
  }, [d.status, queryClient, trpc]);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.disbursements.get.queryKey({ id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.disbursements.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.payments.list.queryKey() }),
    ]);

  const changeStatus = useMutation(trpc.disbursements.changeStatus.mutationOptions());
  const remove = useMutation(trpc.disbursements.delete.mutationOptions());
  const cancel = useMutation(trpc.disbursements.cancel.mutationOptions());
  const allowed = new Set(d.actions.allowed);
  const code = d.asset.code;
  const statusErrors = fieldErrorsOf(changeStatus.error);
  const canPreflight = (d.status === "READY" || d.status === "STARTED" || d.status === "PAUSED") && d.total_payments > 0;

  function runPreflight() {
    setShowPreflight(true);
    void preflight.run();
  }

  function openConfirm(action: StatusAction) {
    setConfirm(action);
    // Starting: check the destinations first and show what would fail (the user may still start).
    if (action === "start") void preflight.run();
  }

  function runStatus(action: StatusAction) {
    setNotice(null);
    changeStatus.mutate(
      { id, status: action === "pause" ? "PAUSED" : "STARTED" },
      {
        onSuccess: () => {
          setNotice(
            action === "start"
              ? "The disbursement has started. Payments go out as receivers are ready."
              : action === "pause"
                ? "The disbursement is paused. Payments not yet sent will wait."
                : "The disbursement has resumed.",
          );
          return refresh();
        },
        onSettled: () => setConfirm(null),
      },
    );
  }

  function openUploader() {
    setUploaderOpen(true);
    requestAnimationFrame(() => {
      instructionsRef.current?.scrollIntoView({ behavior: "smooth", block: "start" });
      instructionsRef.current?.querySelector<HTMLInputElement>("input[type=file]")?.focus();
    });
  }

  // Why this user sees no Start button on a READY disbursement: the server's reason, else the
  // two-person rule (read from the organization's setting and the history), else the role.
  // The envelope (declared count and total, schedule date) blocks everyone, so it is named first.
  const approvalBlocks = org.approvalRequired && authoredDraftOrReady(d.status_history, userId);
  const envelopeBlock = d.status === "READY" ? envelopeBlockText(d.envelope, code) : null;
  const startBlocked =
    d.status !== "READY" || allowed.has("start")
      ? null
      : envelopeBlock
        ? { title: "Start is blocked", body: envelopeBlock, envelope: true }
        : d.actions.startBlockedReason || approvalBlocks
        ? {
            title: "Waiting for a second person",
            body: `${d.actions.startBlockedReason ?? APPROVAL_REASON} Your organization has “Approval required” on and you created or uploaded this disbursement, so another approver, owner or financial controller must start it.`,
          }
        : {
            title: "Ready to start",
            body: `The ${roleLabel} role cannot start disbursements. An approver, owner or financial controller can.`,
          };

  function runCancel() {
    setNotice(null);
    cancel.mutate(
      { id },
      {
        // On failure the dialog stays open with the reason.
        onSuccess: () => {
          setCancelling(false);
          return refresh();
        },
      },
    );
  }

  const remainingAmount = formatStroops(toStroops(d.total_amount) - toStroops(d.amount_disbursed));
  const amountPercent = percentOf(d.amount_disbursed, d.total_amount);

  const confirmText: Record<StatusAction, { title: string; body: React.ReactNode; button: string }> = {
    start: {
      title: `Start “${d.name}”?`,
      body: (
        <>
          This sends <strong>{formatCount(d.total_payments)}</strong> {d.total_payments === 1 ? "payment" : "payments"} totalling{" "}
          <strong>
            {formatAmount(d.total_amount)} {code}
          </strong>{" "}
          from your distribution account through {d.wallet.name}. Receivers who have not registered yet are invited first.
        </>
      ),
      button: "Start disbursement",
    },
    pause: {
      title: `Pause “${d.name}”?`,
      body: (
        <>
          <strong>{formatCount(d.total_payments_remaining)}</strong> {d.total_payments_remaining === 1 ? "payment" : "payments"} not yet sent (up to{" "}
          <strong>
            {formatAmount(remainingAmount)} {code}
          </strong>
          ) will wait until you resume. Payments already submitted to the network may still complete.
        </>
      ),
      button: "Pause disbursement",
    },
    resume: {
      title: `Resume “${d.name}”?`,
      body: (
        <>
          Sending resumes for <strong>{formatCount(d.total_payments_remaining)}</strong> remaining{" "}
          {d.total_payments_remaining === 1 ? "payment" : "payments"} (up to{" "}
          <strong>
            {formatAmount(remainingAmount)} {code}
          </strong>{" "}
          of {formatAmount(d.total_amount)} {code}).
        </>
      ),
      button: "Resume disbursement",
    },
  };

  return (
    <div className="space-y-6">
      <div>
        <Link href="/disbursements" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft aria-hidden className="size-4" />
          Disbursements
        </Link>
      </div>

      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-2xl font-semibold tracking-tight break-words">{d.name}</h1>
            <DisbursementStatusBadge status={d.status} data-testid="disbursement-status" className="text-sm" />
          </div>
          <p className="mt-1 text-sm text-muted-foreground">
            {d.total_payments === 0
              ? `No payments yet · ${code} through ${d.wallet.name}`
              : `${formatAmount(d.total_amount)} ${code} to ${formatCount(d.total_payments)} ${d.total_payments === 1 ? "receiver" : "receivers"} through ${d.wallet.name}`}
          </p>
        </div>
        <div className="flex flex-wrap gap-2" role="group" aria-label="Disbursement actions">
          {allowed.has("upload") && (
            <Button variant="outline" onClick={openUploader}>
              <Upload aria-hidden />
              {d.file_name ? "Replace instructions" : "Upload instructions"}
            </Button>
          )}
          {canPreflight && (
            <Button variant="outline" onClick={runPreflight} disabled={preflight.isFetching}>
              <ListChecks aria-hidden />
              {preflight.isFetching && showPreflight ? "Checking…" : "Run preflight"}
            </Button>
          )}
          {allowed.has("start") && (
            <Button onClick={() => openConfirm("start")}>
              <Play aria-hidden />
              Start
            </Button>
          )}
          {allowed.has("pause") && (
            <Button variant="outline" onClick={() => openConfirm("pause")}>
              <Pause aria-hidden />
              Pause
            </Button>
          )}
          {allowed.has("resume") && (
            <Button onClick={() => openConfirm("resume")}>
              <Play aria-hidden />
              Resume
            </Button>
          )}
          {allowed.has("cancel") && (
            <Button
              variant="outline"
              className="text-destructive"
              onClick={() => {
                cancel.reset();
                setCancelling(true);
              }}
            >
              <Ban aria-hidden />
              Cancel disbursement
            </Button>
          )}
          {allowed.has("delete") && (
            <Button variant="outline" className="text-destructive" onClick={() => setDeleting(true)}>
              <Trash2 aria-hidden />
              Delete
            </Button>
          )}
        </div>
      </div>

      {d.status === "CANCELED" && (
        <Alert data-testid="cancelled-notice">
          <Ban aria-hidden />
          <AlertTitle>Cancelled</AlertTitle>
          <AlertDescription>
            <p>
              This disbursement was cancelled
              {d.envelope.cancellation_time_stamp ? (
                <>
                  {" "}
                  on <DateTime value={d.envelope.cancellation_time_stamp} />
                </>
              ) : null}
              , with {formatCount(d.envelope.cancelled_count)} {d.envelope.cancelled_count === 1 ? "payment" : "payments"}. Cancellation is final:
              nothing of it will be sent.
            </p>
          </AlertDescription>
        </Alert>
      )}

      {startBlocked && (
        <Alert data-testid="start-blocked">
          {"envelope" in startBlocked ? <CalendarClock aria-hidden /> : <ShieldCheck aria-hidden />}
          <AlertTitle>{startBlocked.title}</AlertTitle>
          <AlertDescription>{startBlocked.body}</AlertDescription>
        </Alert>
      )}

      {changeStatus.error &&
        (hasReason(changeStatus.error, "INSUFFICIENT_BALANCE") ? (
          <Alert variant="destructive" data-testid="insufficient-balance">
            <Wallet aria-hidden />
            <AlertTitle>Not enough {code} in the distribution account</AlertTitle>
            <AlertDescription className="space-y-1">
              {statusErrors.shortfall ? (
                <p>
                  It is short of{" "}
                  <strong>
                    {formatAmount(statusErrors.shortfall)} {code}
                  </strong>
                  {statusErrors.available && statusErrors.required
                    ? `: ${formatAmount(statusErrors.available)} available, ${formatAmount(statusErrors.required)} needed for this disbursement and the other payments waiting to go out.`
                    : "."}
                </p>
              ) : (
                <p>{messageOf(changeStatus.error)}</p>
              )}
              <p>
                Add funds on the{" "}
                <Link href="/distribution-account" className="font-medium underline">
                  distribution account
                </Link>{" "}
                page, then try again.
              </p>
            </AlertDescription>
          </Alert>
        ) : (
          <Alert variant="destructive">
            <AlertTitle>The status was not changed</AlertTitle>
            <AlertDescription>{messageOf(changeStatus.error)}</AlertDescription>
          </Alert>
        ))}
      {notice && (
        <Alert variant="success">
          <AlertDescription className="text-success">{notice}</AlertDescription>
        </Alert>
      )}

      {showPreflight && canPreflight && (
        <section aria-label="Preflight" aria-live="polite">
          <PreflightReport
            result={preflight.data}
            error={preflight.error}
            running={preflight.isFetching}
            checkedAt={preflight.dataUpdatedAt || undefined}
            onClose={() => setShowPreflight(false)}
          />
        </section>
      )}

      <section aria-labelledby="totals-title" className="space-y-3">
        <h2 id="totals-title" className="sr-only">
          Totals
        </h2>
        <div className="grid grid-cols-2 gap-3 md:grid-cols-3">
          <Stat label="Total payments" value={formatCount(d.total_payments)} testId="total-payments" />
          <Stat label="Sent" value={formatCount(d.total_payments_sent)} testId="total-sent" />
          <Stat label="Failed" value={formatCount(d.total_payments_failed)} testId="total-failed" />
          <Stat label="Remaining" value={formatCount(d.total_payments_remaining)} testId="total-remaining" />
          <Stat
            label="Amount disbursed"
            value={
              <>
                {formatAmount(d.amount_disbursed)} <span className="text-sm font-normal text-muted-foreground">{code}</span>
              </>
            }
            sub={
              <span data-testid="total-amount">
                of {formatAmount(d.total_amount)} {code}
              </span>
            }
          />
          <Stat
            label="Average amount"
            value={
              <>
                {formatAmount(d.average_amount)} <span className="text-sm font-normal text-muted-foreground">{code}</span>
              </>
            }
          />
        </div>
        <div className="space-y-1.5">
          <div className="flex flex-wrap justify-between gap-2 text-sm">
            <span id="progress-label" className="font-medium">
              Progress
            </span>
            <span className="text-muted-foreground tabular-nums">
              {formatCount(d.total_payments_sent)} of {formatCount(d.total_payments)} payments sent · {amountPercent}% of the amount
            </span>
          </div>
          <Progress
            aria-labelledby="progress-label"
            value={d.total_payments ? countPercent(d.total_payments_sent, d.total_payments) : 0}
            valueText={`${formatCount(d.total_payments_sent)} of ${formatCount(d.total_payments)} payments sent`}
            variant={d.status === "COMPLETED" ? "success" : "default"}
          />
        </div>
      </section>

      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          {hasEnvelope(d) && <EnvelopeCard d={d} />}
          <Card>
            <CardHeader>
              <CardTitle asChild>
                <h2>Details</h2>
              </CardTitle>
            </CardHeader>
            <CardContent>
              <dl className="grid gap-4 sm:grid-cols-2">
                <Detail term="Wallet">
                  {d.wallet.name}
                  {!d.wallet.enabled && <span className="ml-2 text-xs text-destructive">(disabled)</span>}
                </Detail>
                <Detail term="Asset">
                  {code}{" "}
                  {d.asset.issuer ? (
                    <code className="text-xs text-muted-foreground" title={d.asset.issuer}>
                      {shorten(d.asset.issuer, 4, 4)}
                    </code>
                  ) : (
                    <span className="text-xs text-muted-foreground">(native)</span>
                  )}
                </Detail>
                <Detail term="Contact type">
                  {CONTACT_TYPE_INFO[d.registration_contact_type as RegistrationContactType]?.label ?? d.registration_contact_type}
                </Detail>
                <Detail term="Verification field">
                  {d.verification_field ? (VERIFICATION_LABELS[d.verification_field as VerificationField] ?? d.verification_field) : "None"}
                </Detail>
                <Detail term="Created">
                  <DateTime value={d.created_at} />
                </Detail>
                <Detail term="Last updated">
                  <DateTime value={d.updated_at} />
                </Detail>
                {d.receiver_registration_message_template && (
                  <Detail term="Invitation message" className="sm:col-span-2">
                    <span className="whitespace-pre-wrap">{d.receiver_registration_message_template}</span>
                  </Detail>
                )}
              </dl>
            </CardContent>
          </Card>

          {/* A G2P envelope's payments arrive as signed messages; there is no file to upload. */}
          {!d.g2p && (
            <InstructionsCard
              ref={instructionsRef}
              d={d}
              canUpload={allowed.has("upload")}
              canExport={canExport}
              open={uploaderOpen}
              onOpenChange={setUploaderOpen}
              onUploaded={() => {
                setNotice(null);
                return refresh();
              }}
            />
          )}
        </div>

        <Card className="h-fit">
          <CardHeader>
            <CardTitle asChild>
              <h2>Status history</h2>
            </CardTitle>
          </CardHeader>
          <CardContent>
            <StatusTimeline
              entries={d.status_history}
              currentUserId={userId}
              renderStatus={(s) => <DisbursementStatusBadge status={s} />}
            />
          </CardContent>
        </Card>
      </div>

      <ScopedPayments scope={{ disbursement_id: id }} columns={{ line: true, receiver: true, externalId: true }} poll={d.status === "STARTED"} title="Payments and receivers" />

      <AlertDialog open={confirm !== null} onOpenChange={(open) => !open && !changeStatus.isPending && setConfirm(null)}>
        <AlertDialogContent className={confirm === "start" ? "max-w-lg" : undefined}>
          {confirm && (
            <>
              <AlertDialogHeader>
                <AlertDialogTitle>{confirmText[confirm].title}</AlertDialogTitle>
                <AlertDialogDescription>{confirmText[confirm].body}</AlertDialogDescription>
              </AlertDialogHeader>
              {confirm === "start" && (
                <div className="max-h-72 overflow-y-auto" aria-live="polite" data-testid="start-preflight">
                  <PreflightReport
                    result={preflight.isFetching ? undefined : preflight.data}
                    error={preflight.error}
                    running={preflight.isFetching}
                    compact
                  />
                </div>
              )}
              <AlertDialogFooter>
                <AlertDialogCancel disabled={changeStatus.isPending}>Cancel</AlertDialogCancel>
                <AlertDialogAction
                  variant={confirm === "pause" ? "outline" : "default"}
                  disabled={changeStatus.isPending}
                  onClick={(e) => {
                    e.preventDefault();
                    runStatus(confirm);
                  }}
                >
                  {changeStatus.isPending ? "Working…" : confirmText[confirm].button}
                </AlertDialogAction>
              </AlertDialogFooter>
            </>
          )}
        </AlertDialogContent>
      </AlertDialog>

      <AlertDialog
        open={cancelling}
        onOpenChange={(open) => {
          if (cancel.isPending) return;
          setCancelling(open);
        }}
      >
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Cancel “{d.name}”?</AlertDialogTitle>
            <AlertDialogDescription asChild>
              <div className="space-y-2">
                <p>
                  {d.total_payments > 0
                    ? `Its ${formatCount(d.total_payments - d.total_payments_canceled)} ${d.total_payments - d.total_payments_canceled === 1 ? "payment" : "payments"} not yet sent are cancelled with it. Nothing is paid.`
                    : "It has no payments yet. Nothing is paid."}
                </p>
                <p className="font-medium text-foreground">Cancellation is final: a cancelled disbursement cannot be started, changed or restored.</p>
              </div>
            </AlertDialogDescription>
          </AlertDialogHeader>
          {cancel.error && (
            <Alert variant="destructive">
              <AlertDescription>{messageOf(cancel.error)}</AlertDescription>
            </Alert>
          )}
          <AlertDialogFooter>
            <AlertDialogCancel disabled={cancel.isPending}>Keep it</AlertDialogCancel>
            <AlertDialogAction
              variant="destructive"
              disabled={cancel.isPending}
              onClick={(e) => {
                e.preventDefault();
                runCancel();
              }}
            >
              {cancel.isPending ? "Cancelling…" : "Cancel disbursement"}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>

      <AlertDialog
        open={deleting}
        onOpenChange={(open) => {
          if (remove.isPending) return;
          setDeleting(open);
          if (!open) remove.reset();
        }}
      >
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Delete “{d.name}”?</AlertDialogTitle>
            <AlertDialogDescription>
              {d.total_payments > 0
                ? `Its ${formatCount(d.total_payments)} draft ${d.total_payments === 1 ? "payment" : "payments"} and the uploaded file are deleted too. Nothing has been sent. This cannot be undone.`
                : "This draft has no payments yet. This cannot be undone."}
            </AlertDialogDescription>
          </AlertDialogHeader>
          {remove.error && (
            <Alert variant="destructive">
              <AlertDescription>{messageOf(remove.error)}</AlertDescription>
            </Alert>
          )}
          <AlertDialogFooter>
            <AlertDialogCancel disabled={remove.isPending}>Cancel</AlertDialogCancel>
            <AlertDialogAction
              variant="destructive"
              disabled={remove.isPending}
              onClick={(e) => {
                e.preventDefault();
                remove.mutate(
                  { id },
                  {
                    onSuccess: () => {
                      void queryClient.invalidateQueries({ queryKey: trpc.disbursements.list.queryKey() });
                      router.push("/disbursements");
                      queryClient.removeQueries({ queryKey: trpc.disbursements.get.queryKey({ id }) });
                    },
                  },
                );
              }}
            >
              {remove.isPending ? "Deleting…" : "Delete disbursement"}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </div>
  );
}

function InstructionsCard({
  ref,
  d,
  canUpload,
  canExport,
  open,
  onOpenChange,
  onUploaded,
}: {
  ref: React.Ref<HTMLElement>;
  d: DisbursementDetail;
  canUpload: boolean;
  canExport: boolean;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onUploaded: () => Promise<unknown>;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [inputKey, setInputKey] = useState(0);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<UploadError | null>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const contactType = d.registration_contact_type as RegistrationContactType;

  async function upload() {
    if (!file) return;
    setUploading(true);
    setError(null);
    setSuccess(null);
    const result = await uploadInstructions<DisbursementDetail>(d.id, file);
    setUploading(false);
    if (result.ok) {
      setSuccess(
        `${file.name} was imported: ${formatCount(result.disbursement.total_payments)} ${result.disbursement.total_payments === 1 ? "payment" : "payments"} totalling ${formatAmount(result.disbursement.total_amount)} ${d.asset.code}.`,
      );
      setFile(null);
      setInputKey((k) => k + 1);
      onOpenChange(false);
      await onUploaded();
    } else {
      setError(result.error);
    }
  }

  return (
    <section ref={ref} aria-labelledby="instructions-title" className="scroll-mt-20">
      <Card>
        <CardHeader>
          <CardTitle asChild>
            <h2 id="instructions-title">Instructions file</h2>
          </CardTitle>
          <CardDescription>
            {d.file_name ? (
              <>
                Current file: <span className="font-medium text-foreground">{d.file_name}</span>
              </>
            ) : (
              "No file uploaded yet. Upload the CSV of receivers and amounts to make this disbursement ready."
            )}
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
            {d.file_name && canExport && (
              <a
                href={`/api/disbursements/${d.id}/instructions`}
                download={d.file_name}
                title="Cells starting with =, +, -, @ or a tab get a ' in front, so a spreadsheet shows them as text instead of running them."
                className="inline-flex items-center gap-1.5 text-sm font-medium text-primary underline-offset-4 hover:underline"
                data-testid="download-instructions"
              >
                <Download aria-hidden className="size-4" />
                Download instructions CSV
              </a>
            )}
            {d.file_name && canExport && (
              <a
                href={`/api/disbursements/${d.id}/instructions?original=true`}
                download
                className="inline-flex items-center gap-1.5 text-sm text-muted-foreground underline-offset-4 hover:underline"
                data-testid="download-original-instructions"
              >
                <AlertTriangle aria-hidden className="size-4 text-warning" />
                Original file as uploaded — may contain formulas; open with care
              </a>
            )}
            {canUpload && <CsvTemplateLink contactType={contactType} />}
          </div>
          {success && (
            <Alert variant="success" data-testid="upload-success">
              <AlertDescription className="text-success">{success}</AlertDescription>
            </Alert>
          )}
          {canUpload && open && (
            <div className={cn("space-y-3", d.file_name && "rounded-md border border-border p-4")}>
              {d.file_name && (
                <p className="text-sm text-muted-foreground">
                  A new file replaces every payment of this disbursement. If it has errors, nothing changes.
                </p>
              )}
              <CsvFilePicker
                file={file}
                inputKey={inputKey}
                onFileChange={(f) => {
                  setFile(f);
                  setError(null);
                  setSuccess(null);
                }}
                contactType={contactType}
                disabled={uploading}
              />
              {error && <UploadErrors error={error} />}
              <div className="flex flex-wrap items-center gap-2">
                <Button onClick={() => void upload()} disabled={!file || uploading}>
                  <Upload aria-hidden />
                  {uploading ? "Uploading…" : "Upload file"}
                </Button>
                {d.file_name && (
                  <Button
                    variant="ghost"
                    disabled={uploading}
                    onClick={() => {
                      onOpenChange(false);
                      setFile(null);
                      setError(null);
                      setInputKey((k) => k + 1);
                    }}
                  >
                    Cancel
                  </Button>
                )}
                {uploading && <Spinner label="Uploading and checking the file" />}
              </div>
            </div>
          )}
        </CardContent>
      </Card>
    </section>
  );
}
