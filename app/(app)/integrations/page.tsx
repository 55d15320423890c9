import { Suspense } from "react";
import { g2pMessagesInput } from "@/components/integrations/messages-input";
import { MessagesSection } from "@/components/integrations/messages-section";
import { OauthClientsSection } from "@/components/integrations/oauth-clients-section";
import { PlatformCard } from "@/components/integrations/platform-card";
import { SendersSection } from "@/components/integrations/senders-section";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Integrations" };

export default async function IntegrationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await pageAccess("integrations:manage");
  if (!access.allowed) return <Forbidden what="Integrations" roleLabel={access.roleLabel} />;
  prefetch(trpc.organization.get.queryOptions());
  prefetch(trpc.integrations.identity.queryOptions());
  prefetch(trpc.integrations.senders.queryOptions());
  prefetch(trpc.integrations.oauthClients.queryOptions());
  prefetch(trpc.catalog.wallets.queryOptions());
  // Awaited: the log is a plain (non-suspense) query that refreshes itself; it renders filled at once.
  await getQueryClient().prefetchQuery(trpc.integrations.messages.queryOptions(g2pMessagesInput(await searchParams)));
  return (
    <>
      <PageHeader
        title="Integrations"
        description="Social-protection and other systems can send disbursements here machine to machine over G2P Connect. Register each one as a sender; every message both ways is logged below."
      />
      <HydrateClient>
        <div className="space-y-10">
          <Suspense fallback={<Skeleton className="h-80 w-full" />}>
            <PlatformCard />
          </Suspense>
          <Suspense fallback={<Skeleton className="h-48 w-full" />}>
            <SendersSection />
          </Suspense>
          <Suspense fallback={<Skeleton className="h-32 w-full" />}>
            <OauthClientsSection />
          </Suspense>
          <Suspense fallback={<Skeleton className="h-96 w-full" />}>
            <MessagesSection />
          </Suspense>
        </div>
      </HydrateClient>
    </>
  );
}
