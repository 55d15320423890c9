import { Suspense } from "react";
import { DistributionAccountView } from "@/components/distribution/distribution-account-view";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Distribution account" };

export default async function Page() {
  const access = await pageAccess("organization:read");
  if (!access.allowed) return <Forbidden what="Distribution account" roleLabel={access.roleLabel} />;
  prefetch(trpc.stellar.distributionAccount.queryOptions());
  prefetch(trpc.organization.get.queryOptions());
  return (
    <>
      <PageHeader
        title="Distribution account"
        description="The Stellar account your payments are sent from: its address, balances, what is reserved for payments in flight, and recent transactions."
      />
      <HydrateClient>
        <Suspense
          fallback={
            <div className="space-y-6" aria-busy="true" aria-label="Loading the distribution account">
              <Skeleton className="h-44 w-full" />
              <Skeleton className="h-40 w-full" />
              <Skeleton className="h-56 w-full" />
            </div>
          }
        >
          <DistributionAccountView />
        </Suspense>
      </HydrateClient>
    </>
  );
}
