import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { paymentListInput } from "@/components/disbursements/list-params";
import { ReceiverDetailView } from "@/components/receivers/receiver-detail";
import { Forbidden } from "@/components/shell/forbidden";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Receiver" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function ReceiverPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Receivers" roleLabel={access.roleLabel} />;
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  // The receiver, the organization and the first page of their payments, fetched side by side and
  // sent with the HTML (one round trip).
  const queryClient = getQueryClient();
  const receiver = queryClient.fetchQuery(trpc.receivers.get.queryOptions({ id }));
  prefetch(trpc.organization.get.queryOptions());
  // Awaited: the payments table reads it without suspending, so the first render must have it.
  const firstPage = queryClient.prefetchQuery(trpc.payments.list.queryOptions(paymentListInput({}, { receiver_id: id })));
  try {
    await receiver;
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  }
  await firstPage;
  return (
    <HydrateClient>
      <Suspense fallback={<Skeleton className="h-[32rem] w-full" />}>
        <ReceiverDetailView id={id} canWrite={can(access.role, "receivers:write")} canSecrets={can(access.role, "receivers:secrets")} />
      </Suspense>
    </HydrateClient>
  );
}
