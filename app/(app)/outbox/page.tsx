import { Suspense } from "react";
import { outboxInput } from "@/components/messages/outbox-input";
import { OutboxList } from "@/components/messages/outbox-list";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Outbox" };

export default async function OutboxPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Outbox" roleLabel={access.roleLabel} />;
  prefetch(trpc.organization.get.queryOptions());
  await getQueryClient().prefetchQuery(trpc.messages.list.queryOptions(outboxInput(await searchParams)));
  return (
    <>
      <PageHeader
        title="Outbox"
        description="Messages sent to receivers, newest first. Messages kept in the built-in outbox show their full text, so you can follow the links yourself; one-time codes and registration links only to owners and financial controllers."
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-96 w-full" />}>
          <OutboxList />
        </Suspense>
      </HydrateClient>
    </>
  );
}
