import { BankFileUploadForm } from "@/components/reconciliation/upload-form";
import { BankFilesList } from "@/components/reconciliation/bank-files-list";
import { ExceptionsTable } from "@/components/reconciliation/exceptions-table";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Reconciliation" };

export default async function ReconciliationPage() {
  const access = await pageAccess("bank_files:read");
  if (!access.allowed) return <Forbidden what="Reconciliation" roleLabel={access.roleLabel} />;
  // Dates are shown in the organization's time zone (useOrgTimeZone).
  prefetch(trpc.organization.get.queryOptions());
  prefetch(trpc.bankFiles.list.queryOptions({ page: 1, page_limit: 10 }));
  prefetch(trpc.bankFiles.exceptions.queryOptions({ page: 1, page_limit: 20 }));
  return (
    <>
      <PageHeader title="Reconciliation" description="Bank status reports and statements, matched against the payments sent through bank connections." />
      <HydrateClient>
        <div className="space-y-6">
          {can(access.role, "bank_files:import") && <BankFileUploadForm />}
          <BankFilesList />
          <ExceptionsTable />
        </div>
      </HydrateClient>
    </>
  );
}
