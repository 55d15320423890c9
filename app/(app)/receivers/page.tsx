import { Suspense } from "react";
import { receiverListInput } from "@/components/disbursements/list-params";
import { ReceiversList } from "@/components/receivers/receivers-list";
import { AddReceiverButton } from "@/components/receivers/receiver-write-dialogs";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Receivers" };

export default async function ReceiversPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Receivers" roleLabel={access.roleLabel} />;
  prefetch(trpc.organization.get.queryOptions());
  await getQueryClient().prefetchQuery(trpc.receivers.list.queryOptions(receiverListInput(await searchParams)));
  return (
    <>
      <PageHeader
        title="Receivers"
        description="Everyone your organization has paid or invited, with their wallets and payments."
        actions={can(access.role, "receivers:write") ? <AddReceiverButton /> : undefined}
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-96 w-full" />}>
          <ReceiversList />
        </Suspense>
      </HydrateClient>
    </>
  );
}
