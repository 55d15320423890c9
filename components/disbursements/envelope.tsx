"use client";

import { CalendarClock, Network } from "lucide-react";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Progress } from "@/components/ui/progress";
import { parseAmount, toStroops } from "@/server/domain/money";
import { MAX_DECLARED_COUNT } from "@/server/schemas/disbursements.schema";
import { CopyValue, DateTime, Detail, countPercent, dateTimeFormat, formatAmount, formatCount, percentOf, type DisbursementDetail } from "./common";
import { plural } from "@/lib/format";

/* ---------------------------------------------------------------- time zones */

/** The zone's offset from UTC at an instant, in milliseconds (what the wall clock reads minus UTC). */
function zoneOffset(instant: number, timeZone: string): number {
  const parts = dateTimeFormat(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * A wall-clock time from a `datetime-local` input ("2030-01-31T09:00") read in the organization's
 * time zone, as an ISO instant; null when it is not a date and time. Two passes settle the offset
 * around daylight-saving changes.
 */
export function wallTimeToIso(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(asUtc) || new Date(asUtc).getUTCDate() !== day) return null;
  let zone = timeZone;
  try {
    zoneOffset(asUtc, zone);
  } catch {
    zone = "UTC";
  }
  let instant = asUtc - zoneOffset(asUtc, zone);
  instant = asUtc - zoneOffset(instant, zone);
  return new Date(instant).toISOString();
}

/* ---------------------------------------------------------------- the form's section */

export type EnvelopeDraft = { count: string; total: string; scheduledLocal: string };
export const EMPTY_ENVELOPE: EnvelopeDraft = { count: "", total: "", scheduledLocal: "" };
export type EnvelopeErrors = Partial<Record<"declared_count" | "declared_total" | "scheduled_at", string>>;

/** What is wrong with the envelope fields (all optional), before anything is sent. */
export function envelopeDraftErrors(draft: EnvelopeDraft, timeZone: string, now = new Date()): EnvelopeErrors {
  const errors: EnvelopeErrors = {};
  const count = draft.count.trim();
  if (count && (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > MAX_DECLARED_COUNT)) {
    errors.declared_count = `Enter a whole number of payments from 1 to ${formatCount(MAX_DECLARED_COUNT)}.`;
  }
  const total = draft.total.trim();
  if (total) {
    const parsed = parseAmount(total.replace(/,/g, ""));
    if (!parsed.ok) errors.declared_total = "Enter an amount greater than 0 with at most 7 decimals, e.g. 1500.25.";
  }
  if (draft.scheduledLocal.trim()) {
    const iso = wallTimeToIso(draft.scheduledLocal, timeZone);
    if (!iso) errors.scheduled_at = "Enter a date and a time.";
    else if (new Date(iso).getTime() <= now.getTime()) errors.scheduled_at = "Choose a date and time in the future.";
  }
  return errors;
}

/** The create input's envelope fields from the draft (checked with envelopeDraftErrors first). */
export function envelopeInput(draft: EnvelopeDraft, timeZone: string) {
  const count = draft.count.trim();
  const total = draft.total.trim().replace(/,/g, "");
  return {
    declared_count: count ? Number(count) : null,
    declared_total: total || null,
    scheduled_at: draft.scheduledLocal.trim() ? wallTimeToIso(draft.scheduledLocal, timeZone) : null,
  };
}

export function EnvelopeFields({
  draft,
  onChange,
  errors,
  timeZone,
  assetCode,
}: {
  draft: EnvelopeDraft;
  onChange: (draft: EnvelopeDraft) => void;
  errors: EnvelopeErrors;
  timeZone: string;
  assetCode: string | null;
}) {
  return (
    <div className="grid gap-5 md:grid-cols-3">
      <Field label="Expected number of payments" error={errors.declared_count} hint="The file must hold exactly this many rows before it can start.">
        <Input
          name="declared_count"
          inputMode="numeric"
          autoComplete="off"
          placeholder="e.g. 250"
          value={draft.count}
          onChange={(e) => onChange({ ...draft, count: e.target.value })}
        />
      </Field>
      <Field
        label={`Expected total${assetCode ? ` (${assetCode})` : ""}`}
        error={errors.declared_total}
        hint="The amounts must add up to exactly this. Up to 7 decimals."
      >
        <Input
          name="declared_total"
          inputMode="decimal"
          autoComplete="off"
          placeholder="e.g. 12500.50"
          value={draft.total}
          onChange={(e) => onChange({ ...draft, total: e.target.value })}
        />
      </Field>
      <Field label="Schedule date and time" error={errors.scheduled_at} hint={`In ${timeZone}. Nothing is paid before then, and it can be cancelled until then.`}>
        <Input name="scheduled_at" type="datetime-local" value={draft.scheduledLocal} onChange={(e) => onChange({ ...draft, scheduledLocal: e.target.value })} />
      </Field>
    </div>
  );
}

/* ---------------------------------------------------------------- the detail page */

type Envelope = DisbursementDetail["envelope"];

/** Whether the disbursement has anything envelope-like worth a card. */
export function hasEnvelope(d: Pick<DisbursementDetail, "envelope" | "g2p" | "status">): boolean {
  const e = d.envelope;
  return e.declared_count !== null || e.declared_total !== null || e.scheduled_at !== null || d.g2p !== null || d.status === "CANCELED" || e.auto_start;
}

/** Why the envelope blocks the start, for people: what is missing, or from when it may start. */
export function envelopeBlockText(e: Envelope, code: string): ReactNode | null {
  if (!e.start_blocked_reason) return null;
  if (e.declared_count !== null && e.received_count !== e.declared_count) {
    return `It holds ${formatCount(e.received_count)} of the ${formatCount(e.declared_count)} payments it expects. Upload a file with exactly ${plural(e.declared_count, "payment")}.`;
  }
  if (e.declared_total !== null && toStroops(e.received_total) !== toStroops(e.declared_total)) {
    return `Its payments total ${formatAmount(e.received_total)} ${code} of the ${formatAmount(e.declared_total)} ${code} it expects. Upload a file whose amounts add up to exactly that.`;
  }
  if (e.scheduled_at) {
    return (
      <>
        It is scheduled for <DateTime value={e.scheduled_at} className="font-medium" /> and cannot start before then.
        {e.auto_start ? " It starts by itself at that time." : ""}
      </>
    );
  }
  return e.start_blocked_reason;
}

function Measure({ label, received, declared, percent, testId }: { label: string; received: string; declared: string | null; percent: number; testId: string }) {
  const complete = declared !== null && percent >= 100;
  return (
    <div className="space-y-1.5" data-testid={testId}>
      <div className="flex flex-wrap justify-between gap-2 text-sm">
        <span className="font-medium">{label}</span>
        <span className="text-muted-foreground tabular-nums">{declared === null ? `${received} received` : `${received} of ${declared} received`}</span>
      </div>
      {declared !== null && <Progress label={`${label} received`} value={percent} valueText={`${received} of ${declared}`} variant={complete ? "success" : "default"} />}
    </div>
  );
}

export function EnvelopeCard({ d }: { d: DisbursementDetail }) {
  const e = d.envelope;
  const code = d.asset.code;
  const due = e.scheduled_at !== null && new Date(e.scheduled_at).getTime() <= Date.now();
  return (
    <Card data-testid="envelope">
      <CardHeader>
        <CardTitle asChild>
          <h2 className="flex items-center gap-2">
            <CalendarClock aria-hidden className="size-5 text-muted-foreground" />
            Envelope
          </h2>
        </CardTitle>
        <CardDescription>What this disbursement must hold before it starts, and when it may be paid.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        <div className="space-y-4">
          <Measure
            label="Payments"
            received={formatCount(e.received_count)}
            declared={e.declared_count === null ? null : formatCount(e.declared_count)}
            percent={e.declared_count === null ? 0 : countPercent(e.received_count, e.declared_count)}
            testId="envelope-count"
          />
          <Measure
            label="Total"
            received={`${formatAmount(e.received_total)} ${code}`}
            declared={e.declared_total === null ? null : `${formatAmount(e.declared_total)} ${code}`}
            percent={e.declared_total === null ? 0 : percentOf(e.received_total, e.declared_total)}
            testId="envelope-total"
          />
          <p className="text-xs text-muted-foreground">Received counts every payment the envelope took in, cancelled ones too.</p>
        </div>
        <dl className="grid gap-4 sm:grid-cols-2">
          <Detail term="Schedule date">
            {e.scheduled_at ? (
              <span className="inline-flex flex-wrap items-center gap-2" data-testid="envelope-schedule">
                <DateTime value={e.scheduled_at} />
                {d.status !== "CANCELED" && <Badge variant={due ? "secondary" : "outline"}>{due ? "Due" : "Not yet due"}</Badge>}
              </span>
            ) : (
              <span className="text-muted-foreground">None: it may start once complete</span>
            )}
          </Detail>
          <Detail term="Started by">{e.auto_start ? "The scheduler, once complete and due" : "A person (Start button)"}</Detail>
          <Detail term="Cancelled payments">
            <span data-testid="envelope-cancelled-count">{formatCount(e.cancelled_count)}</span>
          </Detail>
          <Detail term="Cancellation">
            <span data-testid="envelope-cancellation">
              {e.cancellation_status === "CANCELLED" ? (
                <span className="inline-flex flex-wrap items-center gap-2">
                  <Badge variant="destructive">Cancelled</Badge>
                  <DateTime value={e.cancellation_time_stamp} />
                </span>
              ) : e.scheduled_at && !due ? (
                <>
                  Not cancelled · possible until <DateTime value={e.scheduled_at} />
                </>
              ) : (
                "Not cancelled"
              )}
            </span>
          </Detail>
        </dl>
        {d.g2p && (
          <div className="rounded-md border border-border p-3" data-testid="envelope-g2p">
            <p className="mb-2 flex items-center gap-1.5 text-sm font-medium">
              <Network aria-hidden className="size-4 text-muted-foreground" />
              Received over G2P Connect
            </p>
            <dl className="grid gap-3 sm:grid-cols-2">
              <Detail term="Sender">
                {d.g2p.sender_name} <span className="text-muted-foreground">({d.g2p.sender_id})</span>
              </Detail>
              <Detail term="Transaction id">
                <CopyValue value={d.g2p.transaction_id} label="transaction id" head={12} tail={6} />
              </Detail>
            </dl>
          </div>
        )}
      </CardContent>
    </Card>
  );
}
