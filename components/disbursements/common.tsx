"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { Check, ChevronLeft, ChevronRight, Copy } from "lucide-react";
import { useState, type ComponentProps, type ReactNode } from "react";
import { Badge, type BadgeProps } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { TableCell, TableRow } from "@/components/ui/table";
import { useTRPC } from "@/components/trpc/client";
import { formatCount } from "@/lib/format";
import { cn } from "@/lib/utils";
import type { DisbursementStatus, PaymentStatus, ReceiverWalletStatus } from "@/server/domain/disbursement-types";
import { displayAmount, groupThousands, toStroops } from "@/server/domain/money";
import type { AppRouter } from "@/server/trpc/root";

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type DisbursementDetail = RouterOutputs["disbursements"]["get"];
export type DisbursementRow = RouterOutputs["disbursements"]["list"]["data"][number];
export type PaymentRow = RouterOutputs["payments"]["list"]["data"][number];
/** SDP's pagination block; keyset lists add the cursors of the next and previous pages. */
export type PaginationInfo = RouterOutputs["messages"]["list"]["pagination"] & { next_cursor?: string | null; prev_cursor?: string | null };

/* ---------------------------------------------------------------- money */

/**
 * A decimal string for people, thousands grouped, never a float. With the asset's decimals (2 for
 * most currencies) exactly that many are shown ("1,200.50"); without, trailing zeros are trimmed.
 */
export function formatAmount(decimal: string | null | undefined, decimals?: number): string {
  return groupThousands(displayAmount(decimal, decimals));
}

/** Counts and "1 payment"/"3 payments" live in lib/format.ts; re-exported for the existing imports. */
export { formatCount, plural, pluralWord } from "@/lib/format";

/** part / whole as a percentage (0..100, two decimals), computed on integer stroops. */
export function percentOf(part: string | null | undefined, whole: string | null | undefined): number {
  const w = toStroops(whole);
  if (w <= 0n) return 0;
  return Number((toStroops(part) * 10_000n) / w) / 100;
}

/** Counts are plain integers; still avoid dividing by zero. */
export function countPercent(part: number, whole: number): number {
  return whole > 0 ? Math.floor((part * 10_000) / whole) / 100 : 0;
}

/* ---------------------------------------------------------------- dates */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * One formatter per time zone: building an Intl.DateTimeFormat costs about 0.1–0.2 ms, paid per cell
 * before (a 20-row table spent ~4 ms of a page's server render on it; docs/performance/pages.md).
 * Throws (uncached) for an unknown time zone, which formatDateTime answers in UTC.
 */
const FORMATS = new Map<string, Intl.DateTimeFormat>();
export function dateTimeFormat(timeZone: string): Intl.DateTimeFormat {
  let format = FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    });
    // Bounded: time zones are a few hundred at most, but the value comes from a setting.
    if (FORMATS.size >= 64) FORMATS.clear();
    FORMATS.set(timeZone, format);
  }
  return format;
}

/**
 * "12 Mar 2025, 14:03" in the organization's time zone. Assembled from numeric parts so the
 * server render and the browser agree exactly (ICU versions differ in separators and month names).
 */
export function formatDateTime(iso: string | null | undefined, timeZone: string, withSeconds = false): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = dateTimeFormat(timeZone).formatToParts(date);
  } catch {
    return formatDateTime(iso, "UTC", withSeconds);
  }
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const hour = get("hour").padStart(2, "0").replace(/^24$/, "00");
  const time = `${hour}:${get("minute").padStart(2, "0")}${withSeconds ? `:${get("second").padStart(2, "0")}` : ""}`;
  return `${get("day")} ${MONTHS[Number(get("month")) - 1] ?? ""} ${get("year")}, ${time}`;
}

/** The organization's time zone (Settings); pages prefetch `organization.get`. */
export function useOrgTimeZone(): string {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.organization.get.queryOptions());
  return data.timezone || "UTC";
}

export function DateTime({ value, withSeconds, className }: { value: string | null | undefined; withSeconds?: boolean; className?: string }) {
  const timeZone = useOrgTimeZone();
  if (!value) return <span className={className}>—</span>;
  return (
    <time dateTime={value} title={`${value} (shown in ${timeZone})`} className={cn("whitespace-nowrap", className)}>
      {formatDateTime(value, timeZone, withSeconds)}
    </time>
  );
}

/* ---------------------------------------------------------------- status badges */

type Variant = NonNullable<BadgeProps["variant"]>;

const DISBURSEMENT_STATUS: Record<DisbursementStatus, { label: string; variant: Variant }> = {
  DRAFT: { label: "Draft", variant: "outline" },
  READY: { label: "Ready", variant: "secondary" },
  STARTED: { label: "Started", variant: "default" },
  PAUSED: { label: "Paused", variant: "warning" },
  COMPLETED: { label: "Completed", variant: "success" },
  CANCELED: { label: "Cancelled", variant: "destructive" },
};

const PAYMENT_STATUS: Record<PaymentStatus, { label: string; variant: Variant }> = {
  DRAFT: { label: "Draft", variant: "outline" },
  READY: { label: "Ready", variant: "secondary" },
  PENDING: { label: "Pending", variant: "default" },
  PAUSED: { label: "Paused", variant: "warning" },
  SUCCESS: { label: "Success", variant: "success" },
  FAILED: { label: "Failed", variant: "destructive" },
  CANCELED: { label: "Cancelled", variant: "outline" },
};

const WALLET_STATUS: Record<ReceiverWalletStatus, { label: string; variant: Variant }> = {
  DRAFT: { label: "Draft", variant: "outline" },
  READY: { label: "Invited", variant: "secondary" },
  REGISTERED: { label: "Registered", variant: "success" },
  FLAGGED: { label: "Flagged", variant: "destructive" },
};

export const disbursementStatusLabel = (s: string) => DISBURSEMENT_STATUS[s as DisbursementStatus]?.label ?? s;
export const paymentStatusLabel = (s: string) => PAYMENT_STATUS[s as PaymentStatus]?.label ?? s;
export const walletStatusLabel = (s: string) => WALLET_STATUS[s as ReceiverWalletStatus]?.label ?? s;

export function DisbursementStatusBadge({ status, ...props }: { status: string } & Omit<BadgeProps, "variant" | "children">) {
  const meta = DISBURSEMENT_STATUS[status as DisbursementStatus] ?? { label: status, variant: "outline" as const };
  return (
    <Badge variant={meta.variant} data-status={status} {...props}>
      {meta.label}
    </Badge>
  );
}

export function PaymentStatusBadge({ status, ...props }: { status: string } & Omit<BadgeProps, "variant" | "children">) {
  const meta = PAYMENT_STATUS[status as PaymentStatus] ?? { label: status, variant: "outline" as const };
  return (
    <Badge variant={meta.variant} data-status={status} {...props}>
      {meta.label}
    </Badge>
  );
}

export function WalletStatusBadge({ status, ...props }: { status: string } & Omit<BadgeProps, "variant" | "children">) {
  const meta = WALLET_STATUS[status as ReceiverWalletStatus] ?? { label: status, variant: "outline" as const };
  return (
    <Badge variant={meta.variant} data-status={status} title={status} {...props}>
      {meta.label}
    </Badge>
  );
}

/* ---------------------------------------------------------------- small pieces */

export function shortId(id: string | null | undefined): string {
  if (!id) return "system";
  // The end, not the start: imports make version 7 UUIDs, whose first characters are a timestamp
  // shared by every row of one import (all payments of a file would read the same).
  return id.slice(-8);
}

/** "GABC…WXYZ" for long keys and hashes. */
export function shorten(value: string, head = 6, tail = 6): string {
  return value.length <= head + tail + 1 ? value : `${value.slice(0, head)}…${value.slice(-tail)}`;
}

/** A long value (key, hash) shown shortened, with the full value in the title and a copy button. */
export function CopyValue({ value, label, head, tail, className }: { value: string; label: string; head?: number; tail?: number; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className={cn("inline-flex items-center gap-1", className)}>
      <code className="font-mono text-xs break-all" title={value}>
        {shorten(value, head, tail)}
      </code>
      <Button
        type="button"
        variant="ghost"
        size="icon"
        className="size-7"
        aria-label={`Copy ${label}`}
        onClick={async () => {
          await navigator.clipboard?.writeText(value).catch(() => {});
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        }}
      >
        {copied ? <Check aria-hidden className="size-3.5" /> : <Copy aria-hidden className="size-3.5" />}
      </Button>
    </span>
  );
}

export const selectClassName =
  "h-10 w-full rounded-md border border-input bg-card px-3 text-sm text-foreground shadow-xs focus-visible:outline-hidden focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-1 disabled:cursor-not-allowed disabled:opacity-50 aria-[invalid=true]:border-destructive";

/** A native <select>: keyboard- and phone-friendly, easy to label. */
export function NativeSelect({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(selectClassName, className)} {...props} />;
}

/** Skeleton rows for a table that is loading. */
export function SkeletonRows({ columns, rows = 5 }: { columns: number; rows?: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        <TableRow key={r} aria-hidden>
          {Array.from({ length: columns }, (_, c) => (
            <TableCell key={c}>
              <Skeleton className="h-4 w-full max-w-40" />
            </TableCell>
          ))}
        </TableRow>
      ))}
    </>
  );
}

/** Previous / next page controls with "page X of Y · N items". */
export function Pager({
  pagination,
  onPage,
  noun = "items",
  className,
}: {
  pagination: PaginationInfo | undefined;
  /** The page to show and, on keyset lists, the cursor that opens it (none for page 1). */
  onPage: (page: number, cursor?: string) => void;
  noun?: string;
  className?: string;
}) {
  if (!pagination) return null;
  const { page, pages, total, prev, next, next_cursor, prev_cursor } = pagination;
  return (
    <nav aria-label="Pagination" className={cn("flex flex-wrap items-center justify-between gap-2 text-sm", className)}>
      <p className="text-muted-foreground" aria-live="polite">
        {total === 0 ? `No ${noun}` : `Page ${formatCount(page)} of ${formatCount(pages)} · ${formatCount(total)} ${noun}`}
      </p>
      <div className="flex gap-2">
        <Button variant="outline" size="sm" disabled={prev === null} onClick={() => prev !== null && onPage(prev, prev === 1 ? undefined : (prev_cursor ?? undefined))}>
          <ChevronLeft aria-hidden />
          Previous
        </Button>
        <Button variant="outline" size="sm" disabled={next === null} onClick={() => next !== null && onPage(next, next_cursor ?? undefined)}>
          Next
          <ChevronRight aria-hidden />
        </Button>
      </div>
    </nav>
  );
}

/** A definition-list row for detail pages. */
export function Detail({ term, children, className }: { term: ReactNode; children: ReactNode; className?: string }) {
  return (
    <div className={cn("min-w-0", className)}>
      <dt className="text-xs font-medium tracking-wide text-muted-foreground uppercase">{term}</dt>
      <dd className="mt-1 text-sm break-words">{children}</dd>
    </div>
  );
}
