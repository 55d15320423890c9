"use client";

import { AlertTriangle, Download, FileSpreadsheet } from "lucide-react";
import Papa from "papaparse";
import { useEffect, useId, useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Input } from "@/components/ui/input";
import { Progress } from "@/components/ui/progress";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { parseCsvRecords } from "@/server/domain/csv-records";
import type { RegistrationContactType } from "@/server/domain/disbursement-types";
import { headerProblems, templateCsv, templateFileName, type UploadError } from "./csv";
import { formatCount, plural, pluralWord } from "@/lib/format";

const PREVIEW_ROWS = 10;
const CHUNK_BYTES = 256 * 1024;

type Preview =
  | { state: "idle" }
  | { state: "parsing"; percent: number; rows: number }
  | { state: "done"; fields: string[]; sample: Record<string, string>[]; sampleLines: (number | null)[]; rows: number; malformed: number }
  | { state: "failed"; message: string };

/**
 * Reads the chosen file in the browser: the header, the first rows and the row count. Parsing
 * is chunked (256 KB at a time, each chunk read asynchronously) so a 100,000-row file shows a
 * progress bar instead of freezing the page.
 */
function useCsvPreview(file: File | null): Preview {
  const [preview, setPreview] = useState<Preview>({ state: "idle" });
  useEffect(() => {
    if (!file) {
      setPreview({ state: "idle" });
      return;
    }
    let cancelled = false;
    let parser: Papa.Parser | null = null;
    let rows = 0;
    let malformed = 0;
    let bytes = 0;
    let fields: string[] = [];
    const sample: Record<string, string>[] = [];
    // Physical lines of the non-blank records in the first chunk (header first), numbered as the
    // server numbers them: a quoted value may span lines (server/domain/csv-records.ts).
    let firstChunkLines: number[] = [];
    setPreview({ state: "parsing", percent: 0, rows: 0 });
    Papa.parse<Record<string, string>>(file, {
      header: true,
      skipEmptyLines: "greedy",
      chunkSize: CHUNK_BYTES,
      beforeFirstChunk(chunk) {
        const { records, lines } = parseCsvRecords(chunk.replace(/^\uFEFF/, ""));
        firstChunkLines = lines.filter((_, i) => records[i]!.some((v) => v.trim() !== ""));
        return undefined;
      },
      transformHeader: (h) => h.replace(/^\uFEFF/, "").trim(),
      chunk(results, p) {
        parser = p;
        if (cancelled) {
          p.abort();
          return;
        }
        if (fields.length === 0 && results.meta.fields) fields = results.meta.fields;
        rows += results.data.length;
        malformed += results.errors.filter((e) => e.type !== "Delimiter").length;
        for (const row of results.data) {
          if (sample.length >= PREVIEW_ROWS) break;
          sample.push(row);
        }
        bytes = Math.min(file.size, bytes + CHUNK_BYTES);
        setPreview({ state: "parsing", percent: file.size ? (bytes * 100) / file.size : 100, rows });
      },
      complete() {
        // The header is the first non-blank record; sample row i is the (i + 1)th after it.
        const sampleLines = sample.map((_, i) => firstChunkLines[i + 1] ?? null);
        if (!cancelled) setPreview({ state: "done", fields, sample, sampleLines, rows, malformed });
      },
      error(err) {
        if (!cancelled) setPreview({ state: "failed", message: err.message || "The file could not be read." });
      },
    });
    return () => {
      cancelled = true;
      (parser as Papa.Parser | null)?.abort();
    };
  }, [file]);
  return preview;
}

function looksLikeCsv(file: File) {
  return /\.csv$/i.test(file.name) || file.type === "text/csv" || file.type === "application/vnd.ms-excel" || file.type === "text/plain";
}

function formatBytes(n: number) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 102.4) / 10} KB`;
  return `${Math.round(n / (1024 * 104.8576)) / 10} MB`;
}

/** A file input for the instructions CSV, with a preview of what the browser read. */
export function CsvFilePicker({
  file,
  onFileChange,
  contactType,
  disabled,
  label = "Instructions file (CSV)",
  inputKey,
}: {
  file: File | null;
  onFileChange: (file: File | null) => void;
  contactType: RegistrationContactType | null;
  disabled?: boolean;
  label?: string;
  /** Change it to clear the native input. */
  inputKey?: number;
}) {
  const id = useId();
  const preview = useCsvPreview(file);
  const problems = preview.state === "done" && contactType ? headerProblems(contactType, preview.fields) : [];
  return (
    <div className="space-y-3">
      <div className="flex flex-col gap-1.5">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <Input
          key={inputKey}
          id={id}
          type="file"
          accept=".csv,text/csv"
          disabled={disabled}
          aria-describedby={`${id}-hint`}
          onChange={(e) => onFileChange(e.currentTarget.files?.[0] ?? null)}
          className="h-auto py-1.5"
        />
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          One row per payment, UTF-8, comma-separated, with a header row. Up to 100,000 rows.
        </p>
      </div>

      {file && !looksLikeCsv(file) && (
        <Alert variant="destructive">
          <AlertTriangle aria-hidden />
          <AlertDescription>{file.name} does not look like a CSV file. Save the spreadsheet as “CSV UTF-8” and choose that file.</AlertDescription>
        </Alert>
      )}

      {preview.state === "parsing" && (
        <div className="space-y-1.5 rounded-md border border-border p-3" data-testid="csv-parsing">
          <p className="text-sm">
            Reading {file?.name}… {formatCount(preview.rows)} rows so far
          </p>
          <Progress value={preview.percent} label="Reading the file" valueText={`${Math.round(preview.percent)}% read`} />
        </div>
      )}

      {preview.state === "failed" && (
        <Alert variant="destructive">
          <AlertDescription>{preview.message}</AlertDescription>
        </Alert>
      )}

      {preview.state === "done" && file && (
        <div className="space-y-2 rounded-md border border-border p-3" data-testid="csv-preview">
          <p className="flex flex-wrap items-center gap-x-2 text-sm">
            <FileSpreadsheet aria-hidden className="size-4 text-muted-foreground" />
            <span className="font-medium">{file.name}</span>
            <span className="text-muted-foreground">
              · {formatBytes(file.size)} · <span data-testid="csv-row-count">{formatCount(preview.rows)}</span> {pluralWord(preview.rows, "row")}
            </span>
          </p>
          {preview.rows === 0 && <p className="text-sm text-destructive">The file has no data rows.</p>}
          {preview.malformed > 0 && (
            <p className="text-sm text-warning">{plural(preview.malformed, "row does", "rows do")} not have the same number of columns as the header.</p>
          )}
          {problems.length > 0 && (
            <ul className="list-inside list-disc text-sm text-warning">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {preview.sample.length > 0 && (
            <>
              <Table containerClassName="max-h-80 rounded border border-border">
                <caption className="sr-only">
                  First {preview.sample.length} rows of {file.name}
                </caption>
                <TableHeader>
                  <TableRow>
                    <TableHead className="normal-case">Line</TableHead>
                    {preview.fields.map((f) => (
                      <TableHead key={f} className="normal-case">
                        {f || "(blank)"}
                      </TableHead>
                    ))}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {preview.sample.map((row, i) => (
                    <TableRow key={i}>
                      <TableCell className="text-muted-foreground tabular-nums">{preview.sampleLines[i] ?? "—"}</TableCell>
                      {preview.fields.map((f) => (
                        <TableCell key={f} className="font-mono text-xs whitespace-nowrap">
                          {row[f] ?? ""}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <p className="text-xs text-muted-foreground">
                {preview.rows > preview.sample.length ? `Showing the first ${preview.sample.length} of ${formatCount(preview.rows)} rows.` : "Showing every row."} Line
                numbers match the file (the header is line 1).
              </p>
            </>
          )}
        </div>
      )}
    </div>
  );
}

/** A link to a header-only template for the contact type, built in the browser. */
export function CsvTemplateLink({ contactType }: { contactType: RegistrationContactType }) {
  const [href, setHref] = useState<string | null>(null);
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([templateCsv(contactType)], { type: "text/csv;charset=utf-8" }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [contactType]);
  return (
    <a
      href={href ?? undefined}
      download={templateFileName(contactType)}
      aria-disabled={!href}
      className="inline-flex items-center gap-1.5 text-sm font-medium text-primary underline-offset-4 hover:underline"
    >
      <Download aria-hidden className="size-4" />
      Download the CSV template
    </a>
  );
}

/** Server errors for an upload, listed by line ("line 3 - phone: …"). */
export function UploadErrors({ error, title }: { error: UploadError; title?: string }) {
  const shown = error.lines.length;
  const total = error.total ?? shown;
  return (
    <Alert variant="destructive" data-testid="upload-errors">
      <AlertTriangle aria-hidden />
      <AlertTitle>{title ?? "The file was not imported"}</AlertTitle>
      <AlertDescription className="space-y-2">
        <p>
          {error.message.charAt(0).toUpperCase() + error.message.slice(1)}
          {error.message.endsWith(".") ? "" : "."} Nothing from this file was saved.
        </p>
        {shown > 0 && (
          <>
            <p className="font-medium">{total > shown ? `${formatCount(total)} errors; the first ${formatCount(shown)} are listed:` : `${plural(shown, "error")}:`}</p>
            <ul className="max-h-72 list-inside list-disc space-y-0.5 overflow-y-auto pr-2" aria-label="Errors by line" tabIndex={0}>
              {error.lines.map((l) => (
                <li key={`${l.line}-${l.field}`}>
                  <span className="font-medium">
                    line {l.line}
                    {l.field ? ` - ${l.field}` : ""}
                  </span>
                  : {l.message}
                </li>
              ))}
            </ul>
          </>
        )}
        {error.other.length > 0 && (
          <ul className="list-inside list-disc space-y-0.5">
            {error.other.map((o) => (
              <li key={o.key}>
                <span className="font-medium">{o.key}</span>: {o.message}
              </li>
            ))}
          </ul>
        )}
        <p>Fix the file and upload it again.</p>
      </AlertDescription>
    </Alert>
  );
}
