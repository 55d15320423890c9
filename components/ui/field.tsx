import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from "react";

import { Label } from "@/components/ui/label";
import { cn } from "@/lib/utils";

/** Props that <Field> passes to its control so it is labelled and described correctly. */
export type FieldControlProps = {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
  "aria-required"?: true;
};

export type FieldProps = {
  /** Visible label text. */
  label: ReactNode;
  /**
   * The control: either a single element (Input, Textarea, SelectTrigger, Switch, ...),
   * which receives `id`, `aria-describedby`, `aria-invalid` and `aria-required`,
   * or a render function that receives those props to place where needed.
   */
  children: ReactElement<Partial<FieldControlProps>> | ((control: FieldControlProps) => ReactNode);
  /** Id for the control; generated when omitted. */
  id?: string;
  /** Helper text shown under the control. */
  hint?: ReactNode;
  /** Error message; when present the control is marked invalid. */
  error?: ReactNode;
  /** Marks the control as required (adds a visual "*" and aria-required). */
  required?: boolean;
  className?: string;
  labelClassName?: string;
};

/**
 * A form field: label + control + optional hint + optional error, with
 * `htmlFor`, `aria-describedby` and `aria-invalid` wired up.
 */
export function Field({ label, children, id, hint, error, required = false, className, labelClassName }: FieldProps) {
  const generatedId = useId();
  const element = typeof children === "function" || !isValidElement(children) ? null : children;
  // Priority: explicit `id` prop, then an id already on the control, then a generated one.
  const controlId = id ?? element?.props.id ?? `field-${generatedId}`;
  const hintId = `${controlId}-hint`;
  const errorId = `${controlId}-error`;
  const hasHint = hint !== undefined && hint !== null && hint !== false && hint !== "";
  const hasError = error !== undefined && error !== null && error !== false && error !== "";

  // Keep any aria-describedby the control already had, then hint, then error.
  const describedBy =
    [element?.props["aria-describedby"], hasHint ? hintId : undefined, hasError ? errorId : undefined].filter((part): part is string => Boolean(part)).join(" ") ||
    undefined;

  const controlProps: FieldControlProps = { id: controlId };
  if (describedBy) controlProps["aria-describedby"] = describedBy;
  if (hasError) controlProps["aria-invalid"] = true;
  if (required) controlProps["aria-required"] = true;

  let control: ReactNode;
  if (typeof children === "function") {
    control = children(controlProps);
  } else if (element) {
    control = cloneElement(element, controlProps);
  } else {
    control = children;
  }

  return (
    <div className={cn("flex flex-col gap-1.5", className)}>
      <Label htmlFor={controlId} className={labelClassName}>
        {label}
        {required ? (
          <span aria-hidden="true" className="ml-0.5 text-destructive">
            *
          </span>
        ) : null}
      </Label>
      {control}
      {hasHint ? (
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
      {hasError ? (
        <p id={errorId} className="text-xs font-medium text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}
