import { Plus } from "lucide-react";
import Link from "next/link";
import { Suspense } from "react";
import { DisbursementsList } from "@/components/disbursements/disbursements-list";
import { disbursementListInput } from "@/components/disbursements/list-params";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { buttonVariants } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Disbursements" };

export default async function DisbursementsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Disbursements" roleLabel={access.roleLabel} />;
  const canWrite = can(access.role, "disbursements:write");
  prefetch(trpc.organization.get.queryOptions());
  // Awaited so the first render has the rows (the client list reads them without suspending).
  await getQueryClient().prefetchQuery(trpc.disbursements.list.queryOptions(disbursementListInput(await searchParams)));
  return (
    <>
      <PageHeader
        title="Disbursements"
        description="Create, upload, start and follow disbursements."
        actions={
          canWrite ? (
            <Link href="/disbursements/new" className={buttonVariants()}>
              <Plus aria-hidden />
              New disbursement
            </Link>
          ) : undefined
        }
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-96 w-full" />}>
          <DisbursementsList canWrite={canWrite} />
        </Suspense>
      </HydrateClient>
    </>
  );
}
