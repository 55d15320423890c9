"use client";

import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { DateTime, Detail, type RouterOutputs } from "@/components/disbursements/common";

type PaymentDetail = RouterOutputs["payments"]["get"];

/**
 * G2P Bridge tracking, as the payment's own status tells it: sent to the network (shipment), the
 * network's answer (reply) and cancellation, each with its time.
 */
export function TrackingCard({ p }: { p: PaymentDetail }) {
  return (
    <Card data-testid="payment-tracking">
      <CardHeader>
        <CardTitle asChild>
          <h2>Tracking</h2>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid gap-4 sm:grid-cols-3">
          <Detail term="Shipment">
            <span data-testid="tracking-shipment" className="flex flex-col gap-1">
              <Badge variant={p.shipment_to_bank_status === "PROCESSED" ? "secondary" : "outline"} className="w-fit">
                {p.shipment_to_bank_status === "PROCESSED" ? "Sent" : "Not sent yet"}
              </Badge>
              {p.shipment_to_bank_time_stamp && <DateTime value={p.shipment_to_bank_time_stamp} className="text-xs text-muted-foreground" />}
            </span>
          </Detail>
          <Detail term="Reply">
            <span data-testid="tracking-reply" className="flex flex-col gap-1">
              {p.reply_status_from_bank ? (
                <Badge variant={p.reply_status_from_bank === "SUCCESS" ? "success" : "destructive"} className="w-fit">
                  {p.reply_status_from_bank === "SUCCESS" ? "Paid" : "Failed"}
                </Badge>
              ) : (
                <span className="text-muted-foreground">No reply yet</span>
              )}
              {p.reply_from_bank_time_stamp && <DateTime value={p.reply_from_bank_time_stamp} className="text-xs text-muted-foreground" />}
              {p.failure_error_code && (
                <span className="text-xs">
                  <code>{p.failure_error_code}</code>
                  {p.failure_error_message ? `: ${p.failure_error_message}` : ""}
                </span>
              )}
            </span>
          </Detail>
          <Detail term="Cancellation">
            <span data-testid="tracking-cancellation" className="flex flex-col gap-1">
              {p.cancellation_status === "CANCELLED" ? (
                <Badge variant="destructive" className="w-fit">
                  Cancelled
                </Badge>
              ) : (
                <span>Not cancelled</span>
              )}
              {p.cancellation_time_stamp && <DateTime value={p.cancellation_time_stamp} className="text-xs text-muted-foreground" />}
            </span>
          </Detail>
          {p.disbursement.scheduled_at && (
            <Detail term="Schedule date">
              <DateTime value={p.disbursement.scheduled_at} />
            </Detail>
          )}
          {p.reference_id && (
            <Detail term="G2P reference id">
              <code className="text-xs break-all">{p.reference_id}</code>
            </Detail>
          )}
        </dl>
      </CardContent>
    </Card>
  );
}
