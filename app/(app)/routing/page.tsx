import { Suspense } from "react";
import { RoutingRulesSection } from "@/components/routing/routing-rules-section";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Routing rules" };

export default async function RoutingPage() {
  const access = await pageAccess("connections:read");
  if (!access.allowed) return <Forbidden what="Routing rules" roleLabel={access.roleLabel} />;
  prefetch(trpc.routing.list.queryOptions());
  prefetch(trpc.routing.options.queryOptions());
  return (
    <>
      <PageHeader
        title="Routing rules"
        description="Which connection pays each payment. Rules are checked from the top: the first enabled rule whose conditions all hold routes the payment to its connection, or to its fallback when that connection is disabled or unhealthy."
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-64 w-full" />}>
          <RoutingRulesSection canManage={can(access.role, "routing:manage")} />
        </Suspense>
      </HydrateClient>
    </>
  );
}
