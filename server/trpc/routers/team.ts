import { changeRole } from "@/server/services/team/change-role";
import { createPasswordLink } from "@/server/services/team/create-password-link";
import { inviteUser } from "@/server/services/team/invite-user";
import { listMembers } from "@/server/services/team/list-members";
import { removeMember, revokeInvitation } from "@/server/services/team/remove-member";
import { sendMemberPasswordReset } from "@/server/services/team/send-member-password-reset";
import { setMemberActive } from "@/server/services/team/set-member-active";
import { requirePermission, router } from "../init";
import { changeRoleInput, createPasswordLinkInput, inviteUserInput, memberInput, setMemberActiveInput } from "@/server/schemas/team.schema";

const manageUsers = requirePermission("users:manage");

export const teamRouter = router({
  list: manageUsers.query(({ ctx }) => listMembers(ctx.service)),
  invite: manageUsers.input(inviteUserInput).mutation(({ ctx, input }) => inviteUser(ctx.service, input)),
  changeRole: manageUsers.input(changeRoleInput).mutation(({ ctx, input }) => changeRole(ctx.service, input)),
  setActive: manageUsers.input(setMemberActiveInput).mutation(({ ctx, input }) => setMemberActive(ctx.service, input)),
  createPasswordLink: manageUsers.input(createPasswordLinkInput).mutation(({ ctx, input }) => createPasswordLink(ctx.service, input)),
  revokeInvitation: manageUsers.input(memberInput).mutation(({ ctx, input }) => revokeInvitation(ctx.service, input)),
  remove: manageUsers.input(memberInput).mutation(({ ctx, input }) => removeMember(ctx.service, input)),
  sendPasswordReset: manageUsers.input(memberInput).mutation(({ ctx, input }) => sendMemberPasswordReset(ctx.service, input)),
});
