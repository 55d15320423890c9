import type { ComponentProps } from "react";
import { cva, type VariantProps } from "class-variance-authority";

import { cn } from "@/lib/utils";

export const alertVariants = cva(
  [
    "relative grid w-full grid-cols-[0_1fr] items-start gap-y-1 rounded-lg border px-4 py-3 text-sm",
    "has-[>svg]:grid-cols-[1rem_1fr] has-[>svg]:gap-x-3 [&>svg]:size-4 [&>svg]:translate-y-0.5 [&>svg]:text-current",
  ],
  {
    variants: {
      variant: {
        default: "border-border bg-card text-card-foreground",
        destructive: "border-destructive/40 bg-destructive/5 text-destructive [&>[data-slot=alert-description]]:text-destructive",
        success: "border-success/40 bg-success/5 text-success [&>[data-slot=alert-description]]:text-success",
        warning: "border-warning/40 bg-warning/5 text-warning [&>[data-slot=alert-description]]:text-foreground",
      },
    },
    defaultVariants: {
      variant: "default",
    },
  },
);

export type AlertProps = ComponentProps<"div"> & VariantProps<typeof alertVariants>;

/**
 * A callout. Put an optional lucide icon (with aria-hidden) as the first child,
 * then <AlertTitle> and <AlertDescription>. Destructive alerts use role="alert"
 * (announced immediately); other variants use role="status" (polite).
 */
export function Alert({ className, variant, role, ...props }: AlertProps) {
  return <div role={role ?? (variant === "destructive" ? "alert" : "status")} className={cn(alertVariants({ variant }), className)} {...props} />;
}

export function AlertTitle({ className, ...props }: ComponentProps<"div">) {
  return <div className={cn("col-start-2 leading-tight font-semibold", className)} {...props} />;
}

export function AlertDescription({ className, ...props }: ComponentProps<"div">) {
  return <div data-slot="alert-description" className={cn("col-start-2 text-sm text-muted-foreground [&_p]:leading-relaxed", className)} {...props} />;
}
