import { Suspense } from "react";
import { Forbidden } from "@/components/shell/forbidden";
import { PageHeader } from "@/components/shell/page-header";
import { SettingsForm } from "@/components/settings/settings-form";
import { Skeleton } from "@/components/ui/skeleton";
import { pageAccess } from "@/server/auth/page-guard";
import { can } from "@/server/domain/permissions";
import { HydrateClient, prefetch, trpc } from "@/server/trpc/server";

export const metadata = { title: "Settings" };

export default async function SettingsPage() {
  const access = await pageAccess("organization:read");
  if (!access.allowed) return <Forbidden what="Settings" roleLabel={access.roleLabel} />;
  const canEdit = can(access.role, "organization:write");
  prefetch(trpc.organization.get.queryOptions());
  prefetch(trpc.organization.timeZones.queryOptions());
  return (
    <>
      <PageHeader
        title="Settings"
        description={
          canEdit ? "How your organization appears and works." : `How your organization appears and works. Only owners and financial controllers can change these.`
        }
      />
      <HydrateClient>
        <Suspense fallback={<Skeleton className="h-96 w-full" />}>
          <SettingsForm canEdit={canEdit} isOwner={access.role === "owner"} />
        </Suspense>
      </HydrateClient>
    </>
  );
}
