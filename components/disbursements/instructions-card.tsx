"use client";

import { AlertTriangle, Download, Upload } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";
import { plural } from "@/lib/format";
import { cn } from "@/lib/utils";
import type { RegistrationContactType } from "@/server/domain/disbursement-types";
import { formatAmount, type DisbursementDetail } from "./common";
import { uploadInstructions, type UploadError } from "./csv";
import { CsvFilePicker, CsvTemplateLink, UploadErrors } from "./csv-picker";

/** The disbursement's instructions file: download links, the template, and the upload/replace form. */
export function InstructionsCard({
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
        `${file.name} was imported: ${plural(result.disbursement.total_payments, "payment")} totalling ${formatAmount(result.disbursement.total_amount)} ${d.asset.code}.`,
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
              {d.file_name && <p className="text-sm text-muted-foreground">A new file replaces every payment of this disbursement. If it has errors, nothing changes.</p>}
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
