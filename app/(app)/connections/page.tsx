import { Suspense } from "react";
import { ConnectionsSection } from "@/components/connections/connections-section";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const access = await pageAccess("connections:read");
  if (!access.allowed) return <Forbidden what="Connections" roleLabel={access.roleLabel} />;
  const canManage = can(access.role, "connections:manage");
  // Dates are shown in the organization's time zone (useOrgTimeZone).
  prefetch(trpc.organization.get.queryOptions());
  prefetch(trpc.connections.list.queryOptions());
  prefetch(trpc.catalog.assets.queryOptions());
  return (
    <>
      <PageHeader
        title="Connections"
        description="The ways payments leave this platform: the Stellar distribution account, sponsor banks and other payment networks. Routing rules decide which payments go through which connection."
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-64 w-full" />}>
          <ConnectionsSection canManage={canManage} />
        </Suspense>
      </HydrateClient>
    </>
  );
}
