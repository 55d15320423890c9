import { Suspense } from "react";
import { MfaSection } from "@/components/profile/mfa-section";
import { ProfileView } from "@/components/profile/profile-view";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { requireMembership } from "@/server/auth/session";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Profile" };

/** The signed-in user's own account: name, password, sessions, two-factor authentication. */
export default async function ProfilePage() {
  await requireMembership();
  prefetch(trpc.profile.get.queryOptions());
  prefetch(trpc.profile.sessions.queryOptions());
  return (
    <>
      <PageHeader title="Profile" description="Your own account: the same in every organization you belong to." />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-96 w-full" />}>
          <ProfileView mfa={<MfaSection />} />
        </Suspense>
      </HydrateClient>
    </>
  );
}
