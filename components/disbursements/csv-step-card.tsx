"use client";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { includesWalletAddress, type RegistrationContactType } from "@/server/domain/disbursement-types";
import { CONTACT_TYPE_INFO, type UploadError } from "./csv";
import { CsvFilePicker, CsvTemplateLink, UploadErrors } from "./csv-picker";

/** Step 3 of a new disbursement: the columns the file needs, the template, and the file picker. */
export function CsvStepCard({
  contactType,
  file,
  onFileChange,
  disabled,
  error,
}: {
  contactType: RegistrationContactType;
  file: File | null;
  onFileChange: (file: File | null) => void;
  disabled: boolean;
  error: UploadError | null;
}) {
  const usesWalletAddress = includesWalletAddress(contactType);
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h2>3. Choose the CSV</h2>
        </CardTitle>
        {contactType === "BANK_ACCOUNT" ? (
          <CardDescription>
            Columns for bank accounts: id (your reference for the payee), amount (in the currency&apos;s decimals), bankAccount (an IBAN, or an account number), bankCode
            (required unless bankAccount is an IBAN), name (the account holder), paymentID and region (optional).
          </CardDescription>
        ) : contactType === "DIRECT_PHONE" ? (
          <CardDescription>
            Columns for phone payees on a Mojaloop switch: phone (+ and country code, e.g. +254712345678), id (your reference for the payee), amount (in the
            currency&apos;s decimals), paymentID and region (optional).
          </CardDescription>
        ) : (
          <CardDescription>
            Columns for {CONTACT_TYPE_INFO[contactType].label.toLowerCase()}:{" "}
            {contactType.startsWith("EMAIL") ? "email" : "phone (+ and country code, e.g. +14155550123)"}, id (your reference for the receiver), amount (up to 7 decimals)
            {usesWalletAddress ? ", walletAddress (G…), walletAddressMemo (optional)" : ", verification"}, paymentID and region (optional).
          </CardDescription>
        )}
        <div>
          <CsvTemplateLink contactType={contactType} />
        </div>
      </CardHeader>
      <CardContent className="space-y-4">
        <CsvFilePicker file={file} onFileChange={onFileChange} contactType={contactType} disabled={disabled} />
        {error && <UploadErrors error={error} />}
      </CardContent>
    </Card>
  );
}
