"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { useTRPC } from "@/components/trpc/client";
import { ScopedPayments } from "@/components/payments/payments-table";
import { APPROVAL_REQUIRED_MESSAGE, authoredDraftOrReady } from "@/server/domain/disbursement-actions";
import { DisbursementStatusBadge } from "./common";
import { CancelDisbursementDialog, DeleteDisbursementDialog, StatusConfirmDialog, type StatusAction } from "./disbursement-dialogs";
import { DisbursementDetailsCard } from "./disbursement-details-card";
import { DisbursementHeader } from "./disbursement-header";
import { DisbursementNotices, type StartBlocked } from "./disbursement-notices";
import { DisbursementTotals } from "./disbursement-totals";
import { EnvelopeCard, envelopeBlockText, hasEnvelope } from "./envelope";
import { InstructionsCard } from "./instructions-card";
import { MojaloopPreflight } from "./mojaloop-preflight";
import { PreflightReport, usePreflight } from "./preflight";
import { RoutingPreview } from "./routing-preview";
import { ShipmentsPanel } from "./shipments-panel";
import { StatusTimeline } from "./status-timeline";

/**
 * The disbursement page: loads the disbursement, owns the status change and which dialog is
 * open, and lays out the parts (header and actions, notices, totals, envelope, details,
 * instructions file, history, payments, dialogs), each in its own file.
 */
export function DisbursementDetailView({
  id,
  userId,
  roleLabel,
  canExport = false,
  canCancelPayments = false,
}: {
  id: string;
  userId: string;
  roleLabel: string;
  /** "exports:read": the instructions file holds verification values, so only these roles see its links. */
  canExport?: boolean;
  /** "payments:cancel": may exclude the payees a Mojaloop switch could not resolve. */
  canCancelPayments?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const detail = useSuspenseQuery(trpc.disbursements.get.queryOptions({ id }));
  // Live progress: while STARTED, poll only the status and the maintained counters (one row each,
  // server/services/disbursements/get-disbursement-progress.ts), not the whole detail; the newer
  // of the two answers supplies the totals everything below shows.
  const progress = useQuery({
    ...trpc.disbursements.progress.queryOptions({ id }),
    enabled: detail.data.status === "STARTED",
    refetchInterval: 3000,
    // Seeded from the detail the server rendered, so opening the page makes no extra request.
    initialData: () => ({ id, status: detail.data.status, updated_at: detail.data.updated_at, ...liveTotals(detail.data) }),
    initialDataUpdatedAt: detail.dataUpdatedAt,
  });
  const live = progress.data && progress.dataUpdatedAt > detail.dataUpdatedAt ? progress.data : null;
  const d = live ? { ...detail.data, ...liveTotals(live) } : detail.data;
  const { data: org } = useSuspenseQuery(trpc.organization.get.queryOptions());
  const [confirm, setConfirm] = useState<StatusAction | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [uploaderOpen, setUploaderOpen] = useState(!d.file_name);
  const [showPreflight, setShowPreflight] = useState(false);
  const preflight = usePreflight(id);
  const instructionsRef = useRef<HTMLElement>(null);

  // When the polled status moves on (COMPLETED, PAUSED), reload the detail (its actions and history
  // change) and the payments once more so the table shows where they settled.
  const liveStatus = live?.status;
  useEffect(() => {
    if (!liveStatus || liveStatus === detail.data.status) return;
    void queryClient.invalidateQueries({ queryKey: trpc.disbursements.get.queryKey({ id }) });
  }, [liveStatus, detail.data.status, id, queryClient, trpc]);
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
  const allowed = new Set(d.actions.allowed);
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
  const envelopeBlock = d.status === "READY" ? envelopeBlockText(d.envelope, d.asset.code) : null;
  const startBlocked: StartBlocked | null =
    d.status !== "READY" || allowed.has("start")
      ? null
      : envelopeBlock
        ? { title: "Start is blocked", body: envelopeBlock, envelope: true }
        : d.actions.startBlockedReason || approvalBlocks
          ? {
              title: "Waiting for a second person",
              body: `${d.actions.startBlockedReason ?? APPROVAL_REQUIRED_MESSAGE} Your organization has “Approval required” on and you created or uploaded this disbursement, so another approver, owner or financial controller must start it.`,
            }
          : {
              title: "Ready to start",
              body: `The ${roleLabel} role cannot start disbursements. An approver, owner or financial controller can.`,
            };

  if (deleted) {
    // Deleted: the panels (and their queries) go at once; the list page follows.
    return (
      <p role="status" className="text-sm text-muted-foreground">
        “{d.name}” is deleted. Going back to the list…
      </p>
    );
  }

  return (
    <div className="space-y-6">
      <DisbursementHeader
        d={d}
        canPreflight={canPreflight}
        preflightFetching={preflight.isFetching}
        preflightShown={showPreflight}
        onUpload={openUploader}
        onPreflight={runPreflight}
        onStatus={openConfirm}
        onCancel={() => setCancelling(true)}
        onDelete={() => setDeleting(true)}
      />

      <DisbursementNotices d={d} startBlocked={startBlocked} statusError={changeStatus.error} notice={notice} />

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

      <DisbursementTotals d={d} />

      {/* Before start: where the payments would go (its own query, after the first render). */}
      {(d.status === "DRAFT" || d.status === "READY") && d.total_payments > 0 && <RoutingPreview id={id} />}
      {/* Before start: the Mojaloop payees' party lookups, when payments route to a Mojaloop connection. */}
      {(d.status === "DRAFT" || d.status === "READY") && d.total_payments > 0 && <MojaloopPreflight id={id} canExclude={canCancelPayments} onExcluded={refresh} />}
      {d.status !== "DRAFT" && d.status !== "READY" && (
        <ShipmentsPanel id={id} canShip={allowed.has("pause") || allowed.has("start") || allowed.has("resume")} settled={d.status !== "STARTED"} />
      )}

      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          {hasEnvelope(d) && <EnvelopeCard d={d} />}
          <DisbursementDetailsCard d={d} />

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
            <StatusTimeline entries={d.status_history} currentUserId={userId} renderStatus={(s) => <DisbursementStatusBadge status={s} />} />
          </CardContent>
        </Card>
      </div>

      <ScopedPayments
        scope={{ disbursement_id: id }}
        columns={{ line: true, receiver: true, externalId: true }}
        poll={d.status === "STARTED"}
        title="Payments and receivers"
      />

      <StatusConfirmDialog d={d} action={confirm} pending={changeStatus.isPending} preflight={preflight} onClose={() => setConfirm(null)} onConfirm={runStatus} />
      <CancelDisbursementDialog
        d={d}
        open={cancelling}
        onOpenChange={setCancelling}
        onCancelled={() => {
          setNotice(null);
          return refresh();
        }}
      />
      <DeleteDisbursementDialog d={d} open={deleting} onOpenChange={setDeleting} onDeleted={() => setDeleted(true)} />
    </div>
  );
}

/** The counters of a progress answer, in the detail's field names (the status stays the detail's until it reloads). */
function liveTotals(p: {
  total_payments: number;
  total_payments_sent: number;
  total_payments_failed: number;
  total_payments_canceled: number;
  total_payments_remaining: number;
  amount_disbursed: string;
  total_amount: string;
  average_amount: string;
}) {
  return {
    total_payments: p.total_payments,
    total_payments_sent: p.total_payments_sent,
    total_payments_failed: p.total_payments_failed,
    total_payments_canceled: p.total_payments_canceled,
    total_payments_remaining: p.total_payments_remaining,
    amount_disbursed: p.amount_disbursed,
    total_amount: p.total_amount,
    average_amount: p.average_amount,
  };
}
