import type { WebClient } from '@slack/web-api';
import type { GroupDirectory } from '../handlers/policy.js';

/** Resolves user-group members with usergroups.users.list (scope usergroups:read). */
export function slackGroupDirectory(client: WebClient): GroupDirectory {
  return {
    async members(groupId) {
      const res = await client.usergroups.users.list({ usergroup: groupId });
      return res.users ?? [];
    },
  };
}
