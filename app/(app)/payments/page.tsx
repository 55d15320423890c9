import { Suspense } from "react";
import { paymentListInput } from "@/components/disbursements/list-params";
import { PaymentsList } from "@/components/payments/payments-list";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { getQueryClient, HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Payments" };

export default async function PaymentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Payments" roleLabel={access.roleLabel} />;
  prefetch(trpc.organization.get.queryOptions());
  await getQueryClient().prefetchQuery(trpc.payments.list.queryOptions(paymentListInput(await searchParams)));
  return (
    <>
      <PageHeader title="Payments" description="Every payment of every disbursement, and where it stands on the network." />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-96 w-full" />}>
          <PaymentsList canRetry={can(access.role, "payments:retry")} />
        </Suspense>
      </HydrateClient>
    </>
  );
}
