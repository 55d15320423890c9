import Link from "next/link";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { PendingInvitations } from "@/components/invitations/pending-invitations";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { getCurrentMembership, getSessionUserId } from "@/server/auth/session";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Invitations" };
export const dynamic = "force-dynamic";

/**
 * The signed-in account's pending invitations (memberships by consent, docs/security.md). Outside
 * the app shell: it must work for an account whose only memberships are still pending.
 */
export default async function InvitationsPage() {
  if (!(await getSessionUserId())) redirect("/login?callbackUrl=/invitations");
  const membership = await getCurrentMembership();
  prefetch(trpc.invitations.list.queryOptions());
  return (
    <main className="mx-auto w-full max-w-2xl space-y-6 p-4 md:p-8">
      <div className="flex items-center justify-between gap-4">
        <p className="text-lg font-semibold tracking-tight">Disbursements</p>
        <div className="flex items-center gap-2">
          {membership && (
            <Button asChild variant="outline" size="sm">
              <Link href="/">Back to {membership.org.name}</Link>
            </Button>
          )}
          <SignOutButton />
        </div>
      </div>
      <div className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight">Invitations</h1>
        <p className="text-sm text-muted-foreground">Organizations that invited your account. An invitation gives access only once you accept it.</p>
      </div>
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-40 w-full" />}>
          <PendingInvitations />
        </Suspense>
      </HydrateClient>
    </main>
  );
}
