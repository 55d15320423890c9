import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { DisbursementDetailView } from "@/components/disbursements/disbursement-detail";
import { paymentListInput } from "@/components/disbursements/list-params";
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
  // Exactly what the first screen shows, fetched side by side and sent with the HTML (one round
  // trip): the detail with its maintained totals, the organization, and the first page of payments.
  // The live progress then polls the counters only (components/disbursements/disbursement-detail.tsx).
  const queryClient = getQueryClient();
  const detail = queryClient.fetchQuery(trpc.disbursements.get.queryOptions({ id }));
  prefetch(trpc.organization.get.queryOptions());
  // Awaited: the payments table reads it without suspending, so the first render must have it.
  const firstPage = queryClient.prefetchQuery(trpc.payments.list.queryOptions(paymentListInput({}, { disbursement_id: id })));
  try {
    // Awaited (not just prefetched) so an unknown id answers 404.
    await detail;
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  }
  await firstPage;
  return (
    <HydrateClient>
      <Suspense fallback={<Skeleton className="h-[40rem] w-full" />}>
        <DisbursementDetailView id={id} userId={access.user.id} roleLabel={access.roleLabel} canExport={can(access.role, "exports:read")} />
      </Suspense>
    </HydrateClient>
  );
}
