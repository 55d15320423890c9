import { ShieldAlert } from "lucide-react";
import Link from "next/link";
import { buttonVariants } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** Shown (with HTTP semantics enforced server-side) when a role lacks the page's permission. */
export function Forbidden({ what, roleLabel }: { what: string; roleLabel: string }) {
  return (
    <EmptyState
      icon={<ShieldAlert aria-hidden className="size-6" />}
      title="You don't have access to this page"
      description={`${what} is not available to the ${roleLabel} role. Ask your organization's owner if you need it.`}
      action={
        <Link href="/" className={buttonVariants({ variant: "outline" })}>
          Back to Home
        </Link>
      }
    />
  );
}
