import { Suspense } from "react";
import { PaymentsList } from "@/components/payments/payments-list";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Payments" };

export default async function PaymentsPage() {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Payments" roleLabel={access.roleLabel} />;
  // The organization (its time zone formats the dates) comes with the HTML; the table's rows do not:
  // the browser fetches the page of payments the URL names through the tRPC read fast path
  // (server/http/trpc-fast-path.ts), with skeleton rows meanwhile. Rendering 20 payment rows on the
  // server cost tens of ms of CPU per request (docs/performance/pages.md, "Pages without the table").
  prefetch(trpc.organization.get.queryOptions());
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
