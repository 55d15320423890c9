/** Per-field messages from a tRPC error (zod issues or a service's extras). */
export function fieldErrorsOf(error: unknown): Record<string, string | undefined> {
  const data = (error as { data?: { fieldErrors?: Record<string, string[] | undefined> | null } } | null)?.data;
  const out: Record<string, string | undefined> = {};
  for (const [field, messages] of Object.entries(data?.fieldErrors ?? {})) out[field] = messages?.[0];
  return out;
}

export function messageOf(error: unknown): string | null {
  if (!error) return null;
  return (error as { message?: string }).message || "Something went wrong. Try again.";
}
