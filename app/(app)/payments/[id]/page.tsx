import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { PaymentDetailView } from "@/components/payments/payment-detail";
import { Forbidden } from "@/components/shell/forbidden";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Payment" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Payments" roleLabel={access.roleLabel} />;
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  try {
    await getQueryClient().fetchQuery(trpc.payments.get.queryOptions({ id }));
  } catch (error) {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  }
  prefetch(trpc.organization.get.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<Skeleton className="h-[32rem] w-full" />}>
        <PaymentDetailView id={id} canCancel={can(access.role, "payments:cancel")} canRetry={can(access.role, "payments:retry")} />
      </Suspense>
    </HydrateClient>
  );
}
