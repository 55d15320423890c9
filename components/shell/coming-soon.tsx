import { Construction } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "./page-header";

/** A section of the product whose pages are not built yet. */
export function ComingSoon({ title, description }: { title: string; description: string }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <EmptyState
        icon={<Construction aria-hidden className="size-6" />}
        title="Not available yet"
        description="This section is part of the product plan and is being built. Nothing here needs your attention."
      />
    </>
  );
}
