"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, CircleCheck, Upload } from "lucide-react";
import Link from "next/link";
import { useRef, useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/disbursements/common";
import { useTRPC } from "@/components/trpc/client";

type ImportAnswer = {
  message: string;
  already_imported: boolean;
  file: { id: string; file_name: string; entry_count: number; matched_count: number; exception_count: number };
};

type Problem = { message: string; details: string[] };

/** The server's 400/413 body (SDP's shape: extras name the file problem, its line and field). */
function problemOf(status: number, body: unknown): Problem {
  const b = (body ?? {}) as { error?: string; extras?: Record<string, string | number> };
  const extras = b.extras ?? {};
  if (status === 413) return { message: String(extras.message ?? b.error ?? "The file is too large."), details: [] };
  const details: string[] = [];
  if (extras.line !== undefined) details.push(`Line ${extras.line}${extras.field ? `, field ${extras.field}` : ""}`);
  const main =
    typeof extras.file === "string" ? extras.file : typeof extras.connection_id === "string" ? extras.connection_id : (b.error ?? "The file could not be imported.");
  return { message: main, details };
}

/** Upload of a bank file: a pain.002 status report, a camt.053/.054 statement or an MT940 statement. */
export function BankFileUploadForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const connections = useQuery(trpc.bankFiles.connections.queryOptions());
  const inputRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [connectionId, setConnectionId] = useState("");
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [answer, setAnswer] = useState<ImportAnswer | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!file) {
      setProblem({ message: "Choose a bank file first.", details: [] });
      return;
    }
    setPending(true);
    setProblem(null);
    setAnswer(null);
    const form = new FormData();
    form.append("file", file, file.name);
    if (connectionId) form.append("connection_id", connectionId);
    try {
      const res = await fetch("/api/bank-files", { method: "POST", body: form });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) setProblem(problemOf(res.status, body));
      else {
        setAnswer(body as ImportAnswer);
        setFile(null);
        if (inputRef.current) inputRef.current.value = "";
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.bankFiles.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.bankFiles.exceptions.queryKey() }),
        ]);
      }
    } catch {
      setProblem({ message: "The upload did not reach the server. Check your connection and try again.", details: [] });
    } finally {
      setPending(false);
    }
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h2>Import a bank file</h2>
        </CardTitle>
        <CardDescription>
          A pain.002 status report, a camt.053 or camt.054 statement, or an MT940 statement. Bookings pay pending bank payments; rejections and reversals fail them with
          the bank&apos;s reason. Importing the same file again changes nothing.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="space-y-4" aria-label="Import a bank file">
          <div className="grid gap-4 sm:grid-cols-2">
            <div className="space-y-1.5">
              <Label htmlFor="bank-file">File</Label>
              <input
                ref={inputRef}
                id="bank-file"
                name="file"
                type="file"
                accept=".xml,.sta,.mt940,.txt,.940"
                className="block w-full text-sm file:mr-3 file:rounded-md file:border file:border-border file:bg-background file:px-3 file:py-1.5 file:text-sm file:font-medium"
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  setProblem(null);
                }}
              />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="bank-connection">Bank connection (optional)</Label>
              <NativeSelect id="bank-connection" value={connectionId} onChange={(e) => setConnectionId(e.target.value)}>
                <option value="">Any bank connection</option>
                {(connections.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                    {c.enabled ? "" : " (disabled)"}
                  </option>
                ))}
              </NativeSelect>
              <p className="text-xs text-muted-foreground">With a connection, only payments sent through it can match.</p>
            </div>
          </div>
          <Button type="submit" disabled={pending}>
            <Upload aria-hidden />
            {pending ? "Importing…" : "Import"}
          </Button>
        </form>
        {problem && (
          <Alert variant="destructive" className="mt-4" data-testid="import-error">
            <CircleAlert aria-hidden />
            <AlertTitle>The file was not imported</AlertTitle>
            <AlertDescription>
              <p>{problem.message}</p>
              {problem.details.map((d) => (
                <p key={d} className="text-xs">
                  {d}
                </p>
              ))}
              <p className="text-xs">Nothing was stored. Fix the file or ask the bank for a new one.</p>
            </AlertDescription>
          </Alert>
        )}
        {answer && (
          <Alert variant={answer.file.exception_count > 0 && !answer.already_imported ? "default" : "success"} className="mt-4" data-testid="import-result">
            <CircleCheck aria-hidden />
            <AlertTitle>{answer.already_imported ? "Already imported" : "Imported"}</AlertTitle>
            <AlertDescription>
              <p>{answer.message}</p>
              <Link href={`/reconciliation/${answer.file.id}`} className="text-primary underline-offset-2 hover:underline">
                See the entries of {answer.file.file_name}
              </Link>
            </AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
