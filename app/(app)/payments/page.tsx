import { ComingSoon } from "@/components/shell/coming-soon";
import { Forbidden } from "@/components/shell/forbidden";
import { pageAccess } from "@/server/auth/page-guard";

export const metadata = { title: "Payments" };

export default async function Page() {
  const access = await pageAccess("disbursements:read");
  if (!access.allowed) return <Forbidden what="Payments" roleLabel={access.roleLabel} />;
  return <ComingSoon title="Payments" description="Every payment and its status on the network." />;
}
