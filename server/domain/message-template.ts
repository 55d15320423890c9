/**
 * Receiver invitation templates (docs/domain.md#receivers-and-registration): plain text with
 * `{{.OrganizationName}}` and `{{.RegistrationLink}}`. HTML is refused; the link is appended when the
 * template lacks it.
 */
export const TEMPLATE_VARIABLES = ["OrganizationName", "RegistrationLink"] as const;
export const DEFAULT_INVITATION_TEMPLATE = "You have a payment waiting for you from {{.OrganizationName}}. Click {{.RegistrationLink}} to register.";
export const MAX_TEMPLATE_LENGTH = 1000;

/** Returns a message describing what is wrong, or null when the template is acceptable. */
export function templateProblem(template: string): string | null {
  if (template.length > MAX_TEMPLATE_LENGTH) return `must be at most ${MAX_TEMPLATE_LENGTH} characters`;
  if (/<\s*\/?\s*[a-z!][^>]*>/i.test(template) || /javascript:/i.test(template)) {
    return "must be plain text: HTML tags and scripts are not allowed";
  }
  for (const match of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    const name = (match[1] ?? "").replace(/^\./, "");
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      return `uses unknown variable ${match[0]}; allowed: {{.OrganizationName}}, {{.RegistrationLink}}`;
    }
  }
  return null;
}

export function renderTemplate(template: string | null | undefined, values: { organizationName: string; registrationLink: string }): string {
  let text = (template?.trim() || DEFAULT_INVITATION_TEMPLATE).trim();
  if (!/\{\{\s*\.?RegistrationLink\s*\}\}/.test(text)) text = `${text} {{.RegistrationLink}}`;
  // One pass with a replacer function: values are inserted literally (no `$&`/`$'` patterns)
  // and a value that itself contains `{{...}}` is not substituted again.
  return text.replace(/\{\{\s*\.?(OrganizationName|RegistrationLink)\s*\}\}/g, (_, name: string) =>
    name === "OrganizationName" ? values.organizationName : values.registrationLink,
  );
}
