import { Search } from "lucide-react";
import { Input } from "@/components/ui/input";
import { SEARCH_MAX } from "@/server/schemas/pagination.schema";

/** A labelled search box with a leading icon, as the list pages use it. */
export function SearchField({
  id,
  label,
  value,
  onChange,
  placeholder,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
}) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <div className="relative w-full sm:w-80">
        <Search aria-hidden className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" />
        <Input id={id} type="search" value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} className="pl-9" maxLength={SEARCH_MAX} />
      </div>
    </div>
  );
}
