import { notFound } from "next/navigation";
import { BankFileDetail } from "@/components/reconciliation/bank-file-detail";
import { Forbidden } from "@/components/shell/forbidden";
import { pageAccess } from "@/server/auth/page-guard";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Bank file" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function BankFilePage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("bank_files:read");
  if (!access.allowed) return <Forbidden what="Reconciliation" roleLabel={access.roleLabel} />;
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  // Dates are shown in the organization's time zone (useOrgTimeZone).
  prefetch(trpc.organization.get.queryOptions());
  prefetch(trpc.bankFiles.get.queryOptions({ id, page: 1, page_limit: 50 }));
  return (
    <HydrateClient>
      <BankFileDetail id={id} />
    </HydrateClient>
  );
}
