import { z } from "zod";
import { createAsset, listAssets, setAssetEnabled } from "@/server/services/catalog/assets";
import { createWallet, listWallets, updateWallet } from "@/server/services/catalog/wallets";
import { requirePermission, router } from "../init";
import { createAssetInput, createWalletInput, setAssetEnabledInput, updateWalletInput } from "@/server/schemas/catalog.schema";

const read = requirePermission("organization:read");

export const catalogRouter = router({
  assets: read.query(({ ctx }) => listAssets(ctx.service)),
  wallets: read.input(z.object({ enabled: z.boolean().optional() }).optional()).query(({ ctx, input }) => listWallets(ctx.service, input ?? {})),
  createAsset: requirePermission("assets:write")
    .input(createAssetInput)
    .mutation(({ ctx, input }) => createAsset(ctx.service, input)),
  setAssetEnabled: requirePermission("assets:write")
    .input(setAssetEnabledInput)
    .mutation(({ ctx, input }) => setAssetEnabled(ctx.service, input)),
  createWallet: requirePermission("wallets:write")
    .input(createWalletInput)
    .mutation(({ ctx, input }) => createWallet(ctx.service, input)),
  updateWallet: requirePermission("wallets:write")
    .input(updateWalletInput)
    .mutation(({ ctx, input }) => updateWallet(ctx.service, input)),
});
