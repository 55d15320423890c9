import type { ComponentProps } from "react";

import { cn } from "@/lib/utils";

/**
 * Placeholder block shown while content loads. Hidden from assistive technology;
 * pair it with a <Spinner> or an aria-busy region to announce the loading state.
 */
export function Skeleton({ className, ...props }: ComponentProps<"div">) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded-md bg-muted", className)} {...props} />;
}
