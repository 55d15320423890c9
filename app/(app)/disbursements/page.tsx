import { ComingSoon } from "@/components/shell/coming-soon";
import { Forbidden } from "@/components/shell/forbidden";
import { pageAccess } from "@/server/auth/page-guard";

export const metadata = { title: "Disbursements" };

export default async function Page() {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Disbursements" roleLabel={access.roleLabel} />;
  return <ComingSoon title="Disbursements" description="Create, upload, start and follow disbursements." />;
}
