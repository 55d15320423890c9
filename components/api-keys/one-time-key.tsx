"use client";

import { Check, Copy, TriangleAlert } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

/** The full API key, shown once right after creation, with a copy button and a warning. */
export function OneTimeKey({ value }: { value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-3">
      <Alert>
        <TriangleAlert aria-hidden />
        <AlertTitle>Copy this key now</AlertTitle>
        <AlertDescription>
          It is shown only this once and cannot be recovered; we store only a hash of it. Anyone holding it can call the API with its scopes, so keep it in a secret
          store. If it is lost or leaked, revoke it and create a new one.
        </AlertDescription>
      </Alert>
      <div className="space-y-2">
        <label htmlFor="new-api-key" className="text-sm font-medium">
          API key
        </label>
        <div className="flex gap-2">
          <Input id="new-api-key" readOnly value={value} onFocus={(e) => e.currentTarget.select()} className="font-mono text-xs" data-testid="new-api-key" />
          <Button
            type="button"
            variant="outline"
            size="icon"
            aria-label={copied ? "Copied" : "Copy key"}
            onClick={async () => {
              await navigator.clipboard?.writeText(value).catch(() => {});
              setCopied(true);
            }}
          >
            {copied ? <Check aria-hidden className="size-4" /> : <Copy aria-hidden className="size-4" />}
          </Button>
        </div>
        <p className="text-xs text-muted-foreground">
          Send it as <code className="rounded bg-muted px-1">Authorization: Bearer &lt;key&gt;</code> to <code className="rounded bg-muted px-1">/api/v1</code>. The API
          reference is at{" "}
          <a className="underline underline-offset-2" href="/api/v1/openapi.json" target="_blank" rel="noreferrer">
            /api/v1/openapi.json
          </a>
          .
        </p>
      </div>
    </div>
  );
}
