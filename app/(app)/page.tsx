import { ArrowRight } from "lucide-react";
import Link from "next/link";
import { PageHeader } from "@/components/shell/page-header";
import { NAV_ITEMS } from "@/components/shell/nav-items";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { requireMembership } from "@/server/auth/session";
import { can } from "@/server/domain/permissions";
import { ROLE_LABELS } from "@/server/domain/roles";

export const metadata = { title: "Home" };

const DESCRIPTIONS: Record<string, string> = {
  "/disbursements": "Create a disbursement, upload the receivers and amounts, then start it.",
  "/receivers": "Everyone your organization has paid or invited, with their wallets.",
  "/payments": "Every payment and where it stands on the network.",
  "/wallets": "The wallets receivers can use and the assets you pay in.",
  "/distribution-account": "The account payments are sent from, and its balances.",
  "/team": "Invite colleagues, give them roles, deactivate accounts.",
  "/api-keys": "Keys for systems that drive disbursements over the REST API.",
  "/settings": "Organization name, logo, time zone, approvals and invitation message.",
};

export default async function HomePage() {
  const { user, org, role } = await requireMembership();
  const sections = NAV_ITEMS.filter((i) => i.href !== "/" && can(role, i.permission));
  return (
    <>
      <PageHeader title={`Welcome, ${user.name}`} description={`You are signed in to ${org.name} as ${ROLE_LABELS[role]}.`} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {sections.map((s) => (
          <Link key={s.href} href={s.href} className="group rounded-lg focus-visible:outline-2">
            <Card className="h-full transition-colors group-hover:border-primary">
              <CardHeader>
                <CardTitle className="flex items-center justify-between text-base">
                  {s.label}
                  <ArrowRight aria-hidden className="size-4 text-muted-foreground group-hover:text-primary" />
                </CardTitle>
                <CardDescription>{DESCRIPTIONS[s.href]}</CardDescription>
              </CardHeader>
              <CardContent />
            </Card>
          </Link>
        ))}
      </div>
    </>
  );
}
