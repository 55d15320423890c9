"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

/** Copies `value`; the label names what ("Copy public key (PEM)"), the icon confirms it for a moment. */
export function CopyButton({ value, label, className, showText = false }: { value: string; label: string; className?: string; showText?: boolean }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      type="button"
      variant={showText ? "outline" : "ghost"}
      size={showText ? "sm" : "icon"}
      className={cn(!showText && "size-8", className)}
      aria-label={showText ? undefined : copied ? `Copied ${label}` : `Copy ${label}`}
      onClick={async () => {
        await navigator.clipboard?.writeText(value).catch(() => {});
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? <Check aria-hidden className="size-4" /> : <Copy aria-hidden className="size-4" />}
      {showText && (copied ? "Copied" : `Copy ${label}`)}
    </Button>
  );
}
