import { z } from "zod";
import { createAsset, deleteAsset, listAssets, setAssetEnabled } from "@/server/services/catalog/assets";
import { createWallet, deleteWallet, listWallets, updateWallet } from "@/server/services/catalog/wallets";
import { requirePermission, router } from "../init";
import { createAssetInput, createWalletInput, deleteAssetInput, deleteWalletInput, setAssetEnabledInput, updateWalletInput } from "@/server/schemas/catalog.schema";

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
  deleteAsset: requirePermission("assets:write")
    .input(deleteAssetInput)
    .mutation(({ ctx, input }) => deleteAsset(ctx.service, input)),
  deleteWallet: requirePermission("wallets:write")
    .input(deleteWalletInput)
    .mutation(({ ctx, input }) => deleteWallet(ctx.service, input)),
});
