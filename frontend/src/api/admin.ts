// The admin API (README "Admin API"; the Api's /openapi/v1.json): seats, members, invites, WhatsApp numbers, audit log.

export interface Seats {
  used: number;
  limit: number;
  free: number;
  activeMembers: number;
  pendingInvites: number;
  countPendingInvites: boolean;
}

export interface AdminMember {
  userId: string;
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'agent';
  active: boolean;
  joinedAt: string;
  deactivatedAt: string | null;
}

export interface Invite {
  id: string;
  email: string;
  role: string;
  invitedBy?: string;
  createdAt: string;
  expiresAt: string;
  token?: string;
  acceptUrl?: string;
}

export interface Channel {
  id: string;
  name: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  active: boolean;
  hasAccessToken: boolean;
  hasAppSecret: boolean;
  hasVerifyToken: boolean;
  createdAt: string;
  health: {
    lastWebhookAt: string | null; signatureFailures24h: number; lastSendErrorAt: string | null; lastSendError: string | null;
    /** The last read of the WABA's templates from WhatsApp, why the last read failed, and what was read. */
    templatesSyncedAt: string | null; templateSyncError: string | null; templates: number; approvedTemplates: number;
  };
}

export interface AuditEntry {
  id: string;
  at: string;
  actorUserId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
}

export interface InviteInfo {
  email: string;
  role: string;
  tenantName: string;
  expiresAt: string;
}
