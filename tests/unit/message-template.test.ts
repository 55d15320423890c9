import { describe, expect, it } from "vitest";
import { DEFAULT_INVITATION_TEMPLATE, MAX_TEMPLATE_LENGTH, renderTemplate, templateProblem } from "@/server/domain/message-template";

const values = { organizationName: "Aid Org", registrationLink: "https://wallet.example/r/abc?x=1" };

describe("templateProblem", () => {
  it("accepts plain text with the known variables", () => {
    expect(templateProblem(DEFAULT_INVITATION_TEMPLATE)).toBeNull();
    expect(templateProblem("Hello from {{.OrganizationName}}")).toBeNull();
    expect(templateProblem("Register: {{ .RegistrationLink }}")).toBeNull();
    expect(templateProblem("Plain text, 3 < 4 and 5 > 2, no variables.")).toBeNull();
  });

  it.each(["<b>Hello</b> {{.RegistrationLink}}", "Hello <a href='https://evil.example'>here</a>", "<img src=x onerror=alert(1)>", "Hi </p>", "<!-- comment --> hi"])(
    "refuses HTML: %s",
    (template) => {
      expect(templateProblem(template)).toBe("must be plain text: HTML tags and scripts are not allowed");
    },
  );

  it.each(["<script>alert(1)</script>", "< script >alert(1)", "Click javascript:alert(1)", "JAVASCRIPT:void(0)"])("refuses scripts: %s", (template) => {
    expect(templateProblem(template)).toBe("must be plain text: HTML tags and scripts are not allowed");
  });

  it.each(["Hi {{.ReceiverName}}", "{{.OrganizationName}} {{.Amount}}", "{{ }}", "{{.organizationname}}"])("refuses unknown variables: %s", (template) => {
    const problem = templateProblem(template);
    expect(problem).toMatch(/^uses unknown variable \{\{.*\}\}; allowed: \{\{\.OrganizationName\}\}, \{\{\.RegistrationLink\}\}$/);
  });

  it("names the unknown variable", () => {
    expect(templateProblem("Hi {{.ReceiverName}}")).toContain("{{.ReceiverName}}");
  });

  it("refuses templates over the maximum length", () => {
    expect(templateProblem("a".repeat(MAX_TEMPLATE_LENGTH))).toBeNull();
    expect(templateProblem("a".repeat(MAX_TEMPLATE_LENGTH + 1))).toBe(`must be at most ${MAX_TEMPLATE_LENGTH} characters`);
  });
});

describe("renderTemplate", () => {
  it("fills both variables", () => {
    expect(renderTemplate("{{.OrganizationName}} pays you: {{.RegistrationLink}}", values)).toBe("Aid Org pays you: https://wallet.example/r/abc?x=1");
  });

  it("accepts spaces inside the braces and repeated variables", () => {
    expect(renderTemplate("{{ .OrganizationName }}/{{.OrganizationName}} {{ .RegistrationLink }}", values)).toBe("Aid Org/Aid Org https://wallet.example/r/abc?x=1");
  });

  it("appends the link when the template lacks it", () => {
    expect(renderTemplate("Money from {{.OrganizationName}} is waiting.", values)).toBe("Money from Aid Org is waiting. https://wallet.example/r/abc?x=1");
    const rendered = renderTemplate("Hello", values);
    expect(rendered).toBe("Hello https://wallet.example/r/abc?x=1");
    expect(rendered.match(/https:\/\/wallet\.example/g)).toHaveLength(1);
  });

  it("does not append the link a second time when the template has it", () => {
    const rendered = renderTemplate("Go to {{.RegistrationLink}} now", values);
    expect(rendered).toBe("Go to https://wallet.example/r/abc?x=1 now");
  });

  it.each([null, undefined, "", "   "])("uses the default template for %j", (template) => {
    expect(renderTemplate(template, values)).toBe("You have a payment waiting for you from Aid Org. Click https://wallet.example/r/abc?x=1 to register.");
  });

  it("trims the template", () => {
    expect(renderTemplate("  Hi {{.RegistrationLink}}  \n", values)).toBe("Hi https://wallet.example/r/abc?x=1");
  });

  it("inserts values literally, even with $ patterns or braces in them", () => {
    const rendered = renderTemplate("{{.OrganizationName}}: {{.RegistrationLink}}", {
      organizationName: "Cash $& Carry $$ {{.RegistrationLink}}",
      registrationLink: "https://w.example/r?a=$1&b=$'",
    });
    expect(rendered).toBe("Cash $& Carry $$ {{.RegistrationLink}}: https://w.example/r?a=$1&b=$'");
  });
});
