import { Suspense } from "react";
import { ApiKeysManager } from "@/components/api-keys/api-keys-manager";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { grantableScopes } from "@/server/domain/api-scopes";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const access = await pageAccess("api_keys:manage");
  if (!access.allowed) return <Forbidden what="API keys" roleLabel={access.roleLabel} />;
  prefetch(trpc.apiKeys.list.queryOptions());
  prefetch(trpc.organization.get.queryOptions());
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let other systems call the REST API (/api/v1) for this organization. Each key has scopes, an optional expiry and optional allowed IP addresses."
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-64 w-full" />}>
          <ApiKeysManager grantable={grantableScopes(access.role)} />
        </Suspense>
      </HydrateClient>
    </>
  );
}
