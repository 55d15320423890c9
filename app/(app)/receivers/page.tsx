import { ComingSoon } from "@/components/shell/coming-soon";
import { Forbidden } from "@/components/shell/forbidden";
import { pageAccess } from "@/server/auth/page-guard";

export const metadata = { title: "Receivers" };

export default async function Page() {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Receivers" roleLabel={access.roleLabel} />;
  return <ComingSoon title="Receivers" description="People your organization pays, with their contact details and wallets." />;
}
