import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { DisbursementDetailView } from "@/components/disbursements/disbursement-detail";
import { Forbidden } from "@/components/shell/forbidden";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Disbursement" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function DisbursementPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Disbursements" roleLabel={access.roleLabel} />;
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  // The first screen's header, totals (the maintained counters), details and history come with the
  // HTML: the detail and the organization, fetched side by side. The payments table is not rendered
  // here: it loads its first page in the browser through the tRPC read fast path
  // (server/http/trpc-fast-path.ts), showing skeleton rows meanwhile. Rendering and sending 20 rows
  // from the server was about half the page's CPU (docs/performance/pages.md, "Pages without the table").
  // The live progress then polls the counters only (components/disbursements/disbursement-detail.tsx).
  const queryClient = getQueryClient();
  const detail = queryClient.fetchQuery(trpc.disbursements.get.queryOptions({ id }));
  prefetch(trpc.organization.get.queryOptions());
  try {
    // Awaited (not just prefetched) so an unknown id answers 404.
    await detail;
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  }
  return (
    <HydrateClient>
      <Suspense fallback={<Skeleton className="h-[40rem] w-full" />}>
        <DisbursementDetailView
          id={id}
          userId={access.user.id}
          roleLabel={access.roleLabel}
          canExport={can(access.role, "exports:read")}
          canCancelPayments={can(access.role, "payments:cancel")}
        />
      </Suspense>
    </HydrateClient>
  );
}
