import type { ComponentProps } from "react";
import { LoaderCircle } from "lucide-react";
import { cva, type VariantProps } from "class-variance-authority";

import { cn } from "@/lib/utils";

const spinnerIconVariants = cva("shrink-0 animate-spin text-current", {
  variants: {
    size: {
      sm: "size-4",
      default: "size-5",
      lg: "size-8",
    },
  },
  defaultVariants: {
    size: "default",
  },
});

export type SpinnerProps = Omit<ComponentProps<"span">, "children"> &
  VariantProps<typeof spinnerIconVariants> & {
    /** Text announced to screen readers (default "Loading…"). */
    label?: string;
    /** Also show the label visually next to the icon. */
    showLabel?: boolean;
  };

/** An accessible loading indicator: a live `role="status"` region with a text label. */
export function Spinner({ label = "Loading…", showLabel = false, size, className, ...props }: SpinnerProps) {
  return (
    <span role="status" className={cn("inline-flex items-center gap-2 text-muted-foreground", className)} {...props}>
      <LoaderCircle className={spinnerIconVariants({ size })} aria-hidden="true" />
      <span className={showLabel ? "text-sm" : "sr-only"}>{label}</span>
    </span>
  );
}
