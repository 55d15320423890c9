import { Suspense } from "react";
import { NewDisbursementForm } from "@/components/disbursements/new-disbursement-form";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "New disbursement" };

export default async function NewDisbursementPage() {
  const access = await pageAccess("disbursements:write");
  if (!access.allowed) return <Forbidden what="Creating disbursements" roleLabel={access.roleLabel} />;
  prefetch(trpc.catalog.wallets.queryOptions({ enabled: true }));
  prefetch(trpc.catalog.assets.queryOptions());
  prefetch(trpc.organization.get.queryOptions());
  return (
    <>
      <PageHeader
        title="New disbursement"
        description="Describe the disbursement, choose the CSV of receivers and amounts, then save it as a draft or upload the file now."
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-[36rem] w-full" />}>
          <NewDisbursementForm />
        </Suspense>
      </HydrateClient>
    </>
  );
}
