import type { ComponentProps } from "react";
import { cva, type VariantProps } from "class-variance-authority";

import { cn } from "@/lib/utils";

const progressIndicatorVariants = cva("h-full rounded-full transition-[width] duration-300 ease-out", {
  variants: {
    variant: {
      default: "bg-primary",
      success: "bg-success",
      warning: "bg-warning",
      destructive: "bg-destructive",
    },
  },
  defaultVariants: {
    variant: "default",
  },
});

export type ProgressProps = Omit<ComponentProps<"div">, "children"> &
  VariantProps<typeof progressIndicatorVariants> & {
    /** Percentage complete, 0..100 (clamped; NaN is treated as 0). */
    value: number;
    /**
     * Accessible name. Give either this, `aria-label` or `aria-labelledby`
     * (e.g. "Disbursement progress").
     */
    label?: string;
    /** Human-readable value, e.g. "120 of 480 payments sent". Defaults to "NN%". */
    valueText?: string;
    indicatorClassName?: string;
  };

/** A determinate progress bar. The caller derives `value` (0..100). */
export function Progress({ value, label, valueText, variant, className, indicatorClassName, ...props }: ProgressProps) {
  const clamped = Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
  const rounded = Math.round(clamped);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={rounded}
      aria-valuetext={valueText ?? `${rounded}%`}
      className={cn("relative h-2.5 w-full overflow-hidden rounded-full bg-muted", className)}
      {...props}
    >
      <div className={cn(progressIndicatorVariants({ variant }), indicatorClassName)} style={{ width: `${clamped}%` }} />
    </div>
  );
}
