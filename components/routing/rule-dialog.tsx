"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { NativeSelect } from "@/components/disbursements/common";
import { useTRPC } from "@/components/trpc/client";
import { fieldErrorsOf } from "@/components/trpc/errors";
import { EditDialog, EditFormFooter } from "@/components/ui/edit-dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { DESTINATION_KINDS, type DestinationKind } from "@/server/domain/rails";
import { DESTINATION_KIND_LABELS, RAIL_LABELS } from "@/server/domain/routing-rules";
import { ATTRIBUTE_NAME_MAX, RULE_NAME_MAX } from "@/server/schemas/routing.schema";
import type { RoutingRuleRow } from "./routing-rules-section";

type FormState = {
  name: string;
  connectionId: string;
  fallbackId: string;
  minAmount: string;
  maxAmount: string;
  assetIds: string[];
  kinds: DestinationKind[];
  attributeName: string;
  attributeValues: string;
};

function initialState(rule?: RoutingRuleRow): FormState {
  return {
    name: rule?.name ?? "",
    connectionId: rule?.connection.id ?? "",
    fallbackId: rule?.fallback_connection?.id ?? "",
    minAmount: rule?.conditions.min_amount?.replace(/\.?0+$/, "") ?? "",
    maxAmount: rule?.conditions.max_amount?.replace(/\.?0+$/, "") ?? "",
    assetIds: rule?.conditions.asset_ids ?? [],
    kinds: rule?.conditions.destination_kinds ?? [],
    attributeName: rule?.conditions.attribute?.name ?? "",
    attributeValues: rule?.conditions.attribute?.values.join(", ") ?? "",
  };
}

/** Add a rule (`rule` absent, it goes to the end of the list) or edit one. */
export function RuleDialog({
  open,
  onOpenChange,
  rule,
  onSaved,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  rule?: RoutingRuleRow;
  onSaved: (rule: RoutingRuleRow, created: boolean) => void;
}) {
  return (
    <EditDialog
      open={open}
      onOpenChange={onOpenChange}
      title={rule ? `Edit “${rule.name}”` : "Add a routing rule"}
      description="Every condition you fill in must hold; leave one empty to match any payment. Amounts include both ends."
    >
      <RuleForm rule={rule} onCancel={() => onOpenChange(false)} onSaved={onSaved} />
    </EditDialog>
  );
}

function toggle<T>(list: T[], value: T, on: boolean): T[] {
  return on ? [...new Set([...list, value])] : list.filter((v) => v !== value);
}

function RuleForm({ rule, onCancel, onSaved }: { rule?: RoutingRuleRow; onCancel: () => void; onSaved: (r: RoutingRuleRow, created: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: options } = useSuspenseQuery(trpc.routing.options.queryOptions());
  const [form, setForm] = useState<FormState>(() => initialState(rule));
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  const done = (created: boolean) => async (r: RoutingRuleRow) => {
    await queryClient.invalidateQueries({ queryKey: trpc.routing.list.queryKey() });
    onSaved(r, created);
  };
  const create = useMutation(trpc.routing.create.mutationOptions({ onSuccess: done(true) }));
  const update = useMutation(trpc.routing.update.mutationOptions({ onSuccess: done(false) }));
  const mutation = rule ? update : create;
  const errors = fieldErrorsOf(mutation.error);
  const values = form.attributeValues
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  const shownKeys = [
    "name",
    "connection_id",
    "fallback_connection_id",
    "conditions.min_amount",
    "conditions.max_amount",
    "conditions.attribute.name",
    "conditions.attribute.values",
  ];
  const shown = shownKeys.some((k) => errors[k]);

  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const conditions = {
          min_amount: form.minAmount,
          max_amount: form.maxAmount,
          asset_ids: form.assetIds,
          destination_kinds: form.kinds,
          attribute: form.attributeName.trim() || values.length ? { name: form.attributeName, values } : null,
        };
        const body = { name: form.name, conditions, connection_id: form.connectionId, fallback_connection_id: form.fallbackId || null };
        if (rule) update.mutate({ id: rule.id, ...body });
        else create.mutate(body);
      }}
    >
      <Field label="Name" required error={errors.name} hint="For people, e.g. “North region by bank”.">
        <Input autoComplete="off" maxLength={RULE_NAME_MAX} value={form.name} onChange={(e) => set({ name: e.target.value })} />
      </Field>

      <fieldset className="space-y-3 rounded-md border border-border p-3">
        <legend className="px-1 text-sm font-medium">Conditions</legend>
        {/* zod issues inside conditions arrive under "conditions" (server/trpc/init.ts flattens by top-level field). */}
        {errors.conditions && (
          <p role="alert" className="text-sm text-destructive">
            {errors.conditions}
          </p>
        )}
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Minimum amount" error={errors["conditions.min_amount"]}>
            <Input inputMode="decimal" autoComplete="off" placeholder="any" value={form.minAmount} onChange={(e) => set({ minAmount: e.target.value })} />
          </Field>
          <Field label="Maximum amount" error={errors["conditions.max_amount"]}>
            <Input inputMode="decimal" autoComplete="off" placeholder="any" value={form.maxAmount} onChange={(e) => set({ maxAmount: e.target.value })} />
          </Field>
        </div>
        {options.assets.length > 0 && (
          <div role="group" aria-label="Currency" className="space-y-1">
            <p className="text-sm font-medium">Currency</p>
            <div className="flex flex-wrap gap-3">
              {options.assets.map((a) => (
                <label key={a.id} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="size-4 accent-primary"
                    checked={form.assetIds.includes(a.id)}
                    onChange={(e) => set({ assetIds: toggle(form.assetIds, a.id, e.target.checked) })}
                  />
                  {a.code}
                </label>
              ))}
            </div>
          </div>
        )}
        <div role="group" aria-label="Destination kind" className="space-y-1">
          <p className="text-sm font-medium">Destination kind</p>
          <div className="flex flex-wrap gap-3">
            {DESTINATION_KINDS.map((k) => (
              <label key={k} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  className="size-4 accent-primary"
                  checked={form.kinds.includes(k)}
                  onChange={(e) => set({ kinds: toggle(form.kinds, k, e.target.checked) })}
                />
                {DESTINATION_KIND_LABELS[k]}
              </label>
            ))}
          </div>
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Receiver attribute" error={errors["conditions.attribute.name"]} hint="A CSV column or G2P meta field, e.g. region.">
            <Input autoComplete="off" maxLength={ATTRIBUTE_NAME_MAX} value={form.attributeName} onChange={(e) => set({ attributeName: e.target.value })} />
          </Field>
          <Field label="Attribute values" error={errors["conditions.attribute.values"]} hint="Comma-separated; any of them matches (case does not matter).">
            <Input autoComplete="off" value={form.attributeValues} onChange={(e) => set({ attributeValues: e.target.value })} />
          </Field>
        </div>
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Connection" required error={errors.connection_id}>
          <NativeSelect value={form.connectionId} onChange={(e) => set({ connectionId: e.target.value })}>
            <option value="">Choose…</option>
            {options.connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({RAIL_LABELS[c.rail_type]}){c.enabled ? "" : ", disabled"}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field label="Fallback connection" error={errors.fallback_connection_id} hint="Used when the connection is disabled or unhealthy.">
          <NativeSelect value={form.fallbackId} onChange={(e) => set({ fallbackId: e.target.value })}>
            <option value="">None</option>
            {options.connections
              .filter((c) => c.id !== form.connectionId)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({RAIL_LABELS[c.rail_type]})
                </option>
              ))}
          </NativeSelect>
        </Field>
      </div>

      <EditFormFooter
        error={mutation.error}
        errorShownByField={shown}
        pending={mutation.isPending}
        submitLabel={rule ? "Save changes" : "Add rule"}
        onCancel={onCancel}
      />
    </form>
  );
}
