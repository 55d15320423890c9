import { Suspense } from "react";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { TeamManager } from "@/components/team/team-manager";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Team" };

export default async function TeamPage() {
  const access = await pageAccess("users:manage");
  if (!access.allowed) return <Forbidden what="Team management" roleLabel={access.roleLabel} />;
  prefetch(trpc.team.list.queryOptions());
  return (
    <>
      <PageHeader title="Team" description="Invite colleagues, set their roles, and deactivate accounts that should no longer have access." />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-64 w-full" />}>
          <TeamManager />
        </Suspense>
      </HydrateClient>
    </>
  );
}
