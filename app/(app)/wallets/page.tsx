import { Suspense } from "react";
import { AssetsSection } from "@/components/catalog/assets-section";
import { WalletsSection } from "@/components/catalog/wallets-section";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Wallets & assets" };

export default async function WalletsPage() {
  const access = await pageAccess("organization:read");
  if (!access.allowed) return <Forbidden what="Wallets & assets" roleLabel={access.roleLabel} />;
  const canWriteAssets = can(access.role, "assets:write");
  const canWriteWallets = can(access.role, "wallets:write");
  prefetch(trpc.catalog.assets.queryOptions());
  prefetch(trpc.catalog.wallets.queryOptions());
  return (
    <>
      <PageHeader title="Wallets & assets" description="The wallets receivers can register with, and the assets you pay in." />
      <HydrateClient>
        <div className="space-y-10">
          <Suspense fallback={<Skeleton className="h-64 w-full" />}>
            <WalletsSection canWrite={canWriteWallets} />
          </Suspense>
          <Suspense fallback={<Skeleton className="h-48 w-full" />}>
            <AssetsSection canWrite={canWriteAssets} />
          </Suspense>
        </div>
      </HydrateClient>
    </>
  );
}
