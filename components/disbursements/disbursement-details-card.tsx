"use client";

import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import type { RegistrationContactType, VerificationField } from "@/server/domain/disbursement-types";
import { DateTime, Detail, shorten, type DisbursementDetail } from "./common";
import { CONTACT_TYPE_INFO, VERIFICATION_LABELS } from "./csv";

/** The disbursement's settings: wallet, asset, contact type, verification field, dates, invitation text. */
export function DisbursementDetailsCard({ d }: { d: DisbursementDetail }) {
  const code = d.asset.code;
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h2>Details</h2>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid gap-4 sm:grid-cols-2">
          <Detail term="Wallet">
            {d.wallet ? (
              <>
                {d.wallet.name}
                {!d.wallet.enabled && <span className="ml-2 text-xs text-destructive">(disabled)</span>}
              </>
            ) : (
              <span className="text-muted-foreground">
                {d.registration_contact_type === "DIRECT_PHONE" ? "None: paid to phone numbers through a Mojaloop switch" : "None: paid to bank accounts"}
              </span>
            )}
          </Detail>
          <Detail term="Asset">
            {code}{" "}
            {d.asset.issuer ? (
              <code className="text-xs text-muted-foreground" title={d.asset.issuer}>
                {shorten(d.asset.issuer, 4, 4)}
              </code>
            ) : (
              <span className="text-xs text-muted-foreground">{d.asset.kind === "FIAT" ? "(currency)" : "(native)"}</span>
            )}
          </Detail>
          <Detail term="Contact type">{CONTACT_TYPE_INFO[d.registration_contact_type as RegistrationContactType]?.label ?? d.registration_contact_type}</Detail>
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
  );
}
