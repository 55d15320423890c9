"use client";

import { Check, Copy } from "lucide-react";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

/** A set-password link shown once, with a copy button. */
export function OneTimeLink({ path, label = "One-time set-password link" }: { path: string; label?: string }) {
  const [url, setUrl] = useState(path);
  const [copied, setCopied] = useState(false);
  useEffect(() => setUrl(new URL(path, window.location.origin).toString()), [path]);
  return (
    <div className="space-y-2">
      <label htmlFor="one-time-link" className="text-sm font-medium">
        {label}
      </label>
      <div className="flex gap-2">
        <Input id="one-time-link" readOnly value={url} onFocus={(e) => e.currentTarget.select()} data-testid="one-time-link" />
        <Button
          type="button"
          variant="outline"
          size="icon"
          aria-label="Copy link"
          onClick={async () => {
            await navigator.clipboard?.writeText(url).catch(() => {});
            setCopied(true);
          }}
        >
          {copied ? <Check aria-hidden className="size-4" /> : <Copy aria-hidden className="size-4" />}
        </Button>
      </div>
      <p className="text-xs text-muted-foreground">It works once and expires. Treat it like a password: send it only to this person.</p>
    </div>
  );
}
