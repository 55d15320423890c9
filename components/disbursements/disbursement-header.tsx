"use client";

import { ArrowLeft, Ban, ListChecks, Pause, Play, Trash2, Upload } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { pluralWord } from "@/lib/format";
import { DisbursementStatusBadge, formatAmount, formatCount, type DisbursementDetail } from "./common";
import type { StatusAction } from "./disbursement-dialogs";

/** Back link, name, status, one-line summary and the buttons for what this user may do now. */
export function DisbursementHeader({
  d,
  canPreflight,
  preflightFetching,
  preflightShown,
  onUpload,
  onPreflight,
  onStatus,
  onCancel,
  onDelete,
}: {
  d: DisbursementDetail;
  canPreflight: boolean;
  /** The preflight check is running (from this header or from the start dialog). */
  preflightFetching: boolean;
  /** The preflight report is shown on the page, so "Checking…" refers to it. */
  preflightShown: boolean;
  onUpload: () => void;
  onPreflight: () => void;
  onStatus: (action: StatusAction) => void;
  onCancel: () => void;
  onDelete: () => void;
}) {
  const allowed = new Set(d.actions.allowed);
  const code = d.asset.code;
  const phone = d.registration_contact_type === "DIRECT_PHONE";
  return (
    <>
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
              ? `No payments yet · ${code} ${d.wallet ? `through ${d.wallet.name}` : phone ? "to phone numbers" : "to bank accounts"}`
              : `${formatAmount(d.total_amount, d.asset.decimals)} ${code} to ${formatCount(d.total_payments)} ${pluralWord(d.total_payments, "receiver")} ${d.wallet ? `through ${d.wallet.name}` : phone ? "through a Mojaloop switch" : "by bank transfer"}`}
          </p>
        </div>
        <div className="flex flex-wrap gap-2" role="group" aria-label="Disbursement actions">
          {allowed.has("upload") && (
            <Button variant="outline" onClick={onUpload}>
              <Upload aria-hidden />
              {d.file_name ? "Replace instructions" : "Upload instructions"}
            </Button>
          )}
          {canPreflight && (
            <Button variant="outline" onClick={onPreflight} disabled={preflightFetching}>
              <ListChecks aria-hidden />
              {preflightFetching && preflightShown ? "Checking…" : "Run preflight"}
            </Button>
          )}
          {allowed.has("start") && (
            <Button onClick={() => onStatus("start")}>
              <Play aria-hidden />
              Start
            </Button>
          )}
          {allowed.has("pause") && (
            <Button variant="outline" onClick={() => onStatus("pause")}>
              <Pause aria-hidden />
              Pause
            </Button>
          )}
          {allowed.has("resume") && (
            <Button onClick={() => onStatus("resume")}>
              <Play aria-hidden />
              Resume
            </Button>
          )}
          {allowed.has("cancel") && (
            <Button variant="outline" className="text-destructive" onClick={onCancel}>
              <Ban aria-hidden />
              Cancel disbursement
            </Button>
          )}
          {allowed.has("delete") && (
            <Button variant="outline" className="text-destructive" onClick={onDelete}>
              <Trash2 aria-hidden />
              Delete
            </Button>
          )}
        </div>
      </div>
    </>
  );
}
