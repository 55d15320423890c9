import { ComingSoon } from "@/components/shell/coming-soon";
import { Forbidden } from "@/components/shell/forbidden";
import { pageAccess } from "@/server/auth/page-guard";

export const metadata = { title: "Distribution account" };

export default async function Page() {
  const access = await pageAccess("organization:read");
  if (!access.allowed) return <Forbidden what="Distribution account" roleLabel={access.roleLabel} />;
  return <ComingSoon title="Distribution account" description="The Stellar account your payments are sent from." />;
}
